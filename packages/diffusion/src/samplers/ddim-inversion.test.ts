import { tf } from '@sgdiff/nn';
import { makeNoiseSchedule } from '../schedules.js';
import { useCpuBackend } from '../testing/cpu.js';
import { gaussianDenoiser } from '../testing/gaussian-data.js';
import { sampleDdim } from './ddim.js';
import { ddimInvert } from './ddim-inversion.js';

beforeAll(useCpuBackend);

describe('ddimInvert', () => {
  const schedule = makeNoiseSchedule();
  const mu = [0.5, -1];
  const s = [0.5, 1.5];
  const model = gaussianDenoiser(schedule, mu, s);

  it('inverts DDIM (η = 0): sampling the inverted noise gives the data back', async () => {
    const x0 = tf.tidy(() =>
      tf.add(
        tf.mul(tf.randomNormal([4, 4, 4, 2], 0, 1, 'float32', 9), tf.tensor1d(s)),
        tf.tensor1d(mu),
      ),
    );
    const before = tf.memory().numTensors;
    const xT = await ddimInvert(model, x0, { schedule, steps: 100, cond: null });
    expect(tf.memory().numTensors).toBe(before + 1);
    // The inverted noise is whitened data: close to N(0, 1) per channel.
    const z = await xT.data();
    const mean = Array.from(z).reduce((a, b) => a + b, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.3);
    const roundTrip = async (steps: number) => {
      const noise = await ddimInvert(model, x0, { schedule, steps, cond: null });
      const back = await sampleDdim(model, noise, { schedule, steps, cond: null, eta: 0 });
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, x0))).dataSync()[0]);
      tf.dispose([noise, back]);
      return err;
    };
    // The error is the usual first-order mismatch (ε taken one level early): it must shrink
    // about in proportion to the step size, and be far below the data's spread (0.5–1.5).
    const coarse = await roundTrip(50);
    const fine = await roundTrip(200);
    expect(fine).toBeLessThan(0.6 * coarse);
    expect(fine).toBeLessThan(0.05);
    tf.dispose([x0, xT]);
  });

  it('stops when aborted, freeing its tensors', async () => {
    const x0 = tf.zeros([1, 2, 2, 2]);
    const ctl = new AbortController();
    ctl.abort(new Error('cancelled'));
    const before = tf.memory().numTensors;
    await expect(
      ddimInvert(model, x0, { schedule, steps: 10, cond: null, signal: ctl.signal }),
    ).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
  });
});
