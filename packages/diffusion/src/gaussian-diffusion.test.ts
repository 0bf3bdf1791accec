import { tf } from '@sgdiff/nn';
import { GaussianDiffusion } from './gaussian-diffusion.js';
import type { EpsModel } from './model.js';
import { Rng } from './noise.js';
import { useCpuBackend } from './testing/cpu.js';
import { readFixture } from './testing/fixtures.js';

beforeAll(useCpuBackend);

// numpy values (scripts/make_schedule_fixtures.py) at timesteps 0 and 999 of the linear schedule.
const fixtures = readFixture<{
  indices: number[];
  schedules: { linear: { at: Record<string, number[]> } };
}>('schedules.json');
const at = (q: string, t: number) => fixtures.schedules.linear.at[q]![fixtures.indices.indexOf(t)]!;

describe('GaussianDiffusion', () => {
  const diffusion = new GaussianDiffusion();
  afterAll(() => diffusion.dispose());

  it('qSample by hand: √ᾱ·x0 + √(1−ᾱ)·ε', () => {
    // x0, noise: [2, 1, 1, 2]; t = [0, 999].
    const x0 = tf.tensor4d([1, 2, -1, 0.5], [2, 1, 1, 2]);
    const noise = tf.tensor4d([0.5, -1, 2, 0], [2, 1, 1, 2]);
    const a0 = 1 - 0.0015; // ᾱ_0 = 1 − β_0
    const a999 = at('alphasCumprod', 999);
    const want = [
      Math.sqrt(a0) * 1 + Math.sqrt(1 - a0) * 0.5,
      Math.sqrt(a0) * 2 - Math.sqrt(1 - a0),
      -Math.sqrt(a999) + Math.sqrt(1 - a999) * 2,
      Math.sqrt(a999) * 0.5,
    ];
    for (const t of [[0, 999], tf.tensor1d([0, 999], 'int32')]) {
      const xt = diffusion.qSample(x0, t, noise);
      const got = xt.dataSync();
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
      xt.dispose();
      if (t instanceof tf.Tensor) t.dispose();
    }
    tf.dispose([x0, noise]);
  });

  it('predictX0FromEps and predictEpsFromX0 invert qSample', () => {
    const rng = new Rng(3);
    const x0 = tf.tensor(rng.normals(24), [3, 2, 2, 2]);
    const eps = tf.tensor(rng.normals(24), [3, 2, 2, 2]);
    const t = [5, 500, 990];
    const xt = diffusion.qSample(x0, t, eps);
    const x0Back = diffusion.predictX0FromEps(xt, t, eps);
    const epsBack = diffusion.predictEpsFromX0(xt, t, x0);
    expect(tf.max(tf.abs(tf.sub(x0Back, x0))).dataSync()[0]).toBeLessThan(2e-4); // ×1/√ᾱ_990 ≈ 14 amplifies rounding
    expect(tf.max(tf.abs(tf.sub(epsBack, eps))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([x0, eps, xt, x0Back, epsBack]);
  });

  it('posterior mean and variance use the numpy coefficients', () => {
    const x0 = tf.tensor2d([[2]]);
    const xt = tf.tensor2d([[-1]]);
    const { mean, variance } = diffusion.qPosteriorMeanVariance(x0, xt, [500]);
    expect(mean.dataSync()[0]).toBeCloseTo(
      at('posteriorMeanCoef1', 500) * 2 - at('posteriorMeanCoef2', 500),
      6,
    );
    expect(variance.dataSync()[0]).toBeCloseTo(at('posteriorVariance', 500), 8);
    tf.dispose([x0, xt, mean, variance]);
  });

  it('trainingLoss: zero for the true noise, mean(ε²) for a zero model, differentiable', () => {
    const x0 = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
    const noise = tf.tensor4d([1, -1, 2, 0], [2, 1, 1, 2]);
    const t = [10, 700];
    const oracle: EpsModel<null> = (xt, tt) =>
      diffusion.predictEpsFromX0(xt, Array.from(tt.dataSync()), x0);
    expect(diffusion.trainingLoss(oracle, x0, t, null, noise).dataSync()[0]).toBeCloseTo(0, 4);
    expect(
      diffusion.trainingLoss(() => tf.zeros([2, 1, 1, 2]), x0, t, null, noise).dataSync()[0],
    ).toBeCloseTo(1.5, 6);
    expect(
      Array.from(
        diffusion.trainingLosses(() => tf.zeros([2, 1, 1, 2]), x0, t, null, noise).dataSync(),
      ),
    ).toEqual([1, 2]);
    // d/dw mean((ε − w·x_t)²) flows through the model.
    const w = tf.variable(tf.scalar(0));
    const { grads } = tf.variableGrads(
      () => diffusion.trainingLoss((xt) => tf.mul(xt, w), x0, t, null, noise),
      [w],
    );
    expect(Number.isFinite(grads[w.name]!.dataSync()[0]!)).toBe(true);
    expect(grads[w.name]!.dataSync()[0]).not.toBe(0);
    tf.dispose([x0, noise, w, grads[w.name]!]);
  });

  it('min-SNR-γ weights: γ/SNR where SNR > γ, 1 elsewhere (hand-computed)', () => {
    // ᾱ_0 = 1 − β_0 = 0.9985 → SNR_0 = 0.9985 / 0.0015 = 665.67; w = 5 / 665.67. ᾱ_999 ≈ 2e-4.
    const w = diffusion.minSnrWeights([0, 999], 5);
    expect(w[0]).toBeCloseTo((5 * 0.0015) / 0.9985, 7);
    expect(w[1]).toBe(1);
    // The zero model's per-example losses are [1, 2]: the weighted mean is (w_0·1 + 2) / 2.
    const x0 = tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]);
    const noise = tf.tensor4d([1, -1, 2, 0], [2, 1, 1, 2]);
    const zero = () => tf.zeros([2, 1, 1, 2]);
    const want = (w[0]! + 2) / 2;
    const opts = { minSnrGamma: 5 };
    expect(diffusion.trainingLoss(zero, x0, [0, 999], null, noise, opts).dataSync()[0]).toBeCloseTo(
      want,
      6,
    );
    const tt = tf.tensor1d([0, 999], 'int32');
    expect(diffusion.trainingLoss(zero, x0, tt, null, noise, opts).dataSync()[0]).toBeCloseTo(
      want,
      6,
    );
    expect(() => diffusion.minSnrWeights([0], 0)).toThrow(/γ must be positive/);
    tf.dispose([x0, noise, tt]);
  });

  it('sampleTimesteps draws integers in range, reproducibly', () => {
    const a = diffusion.sampleTimesteps(new Rng(1), 64);
    const b = diffusion.sampleTimesteps(new Rng(1), 64);
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync()).every((v) => v >= 0 && v < 1000)).toBe(true);
    tf.dispose([a, b]);
  });

  it('rejects bad timesteps and shapes clearly', () => {
    const x = tf.zeros([1, 2]);
    expect(() => diffusion.qSample(x, [1000], x)).toThrow(/timestep 1000 is outside 0 … 999/);
    expect(() => diffusion.trainingLoss(() => tf.zeros([1, 3]), x, [1], null, x)).toThrow(
      /model returned shape \[1,3\]/,
    );
    x.dispose();
  });
});
