import { tf } from '@sgdiff/nn';
import { Rng, randn } from './noise.js';
import { useCpuBackend } from './testing/cpu.js';

beforeAll(useCpuBackend);

describe('Rng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    expect(Array.from(new Rng(42).normals(8))).toEqual(Array.from(new Rng(42).normals(8)));
    expect(Array.from(new Rng(42).normals(8))).not.toEqual(Array.from(new Rng(43).normals(8)));
  });

  it('matches an independent Python sfc32 + splitmix32 seeding (pins every saved seed)', () => {
    // Computed in Python with arbitrary-precision ints masked to 32 bits: splitmix32 seeding,
    // 12 discarded outputs, then the first two sfc32 outputs for seed 0.
    const r = new Rng(0);
    const u = [r.nextUint32(), r.nextUint32()];
    expect(u).toEqual(PINNED_UINT32);
  });

  it('resumes from a saved state, including the spare normal', () => {
    const a = new Rng(7);
    a.normals(3); // odd count leaves a spare
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
    expect(Array.from(b.normals(5))).toEqual(Array.from(a.normals(5)));
  });

  it('gives standard normals (moments of 200k draws)', () => {
    const x = new Rng(1).normals(200_000);
    let m = 0;
    let v = 0;
    for (const xi of x) m += xi;
    m /= x.length;
    for (const xi of x) v += (xi - m) ** 2;
    v /= x.length;
    expect(Math.abs(m)).toBeLessThan(0.01); // 4.5 standard errors
    expect(Math.abs(v - 1)).toBeLessThan(0.015);
  });

  it('randn makes a float32 tensor of the given shape', () => {
    const t = randn(new Rng(3), [2, 3, 4, 1]);
    expect(t.shape).toEqual([2, 3, 4, 1]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual(Array.from(new Rng(3).normals(24)));
    t.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});

const PINNED_UINT32 = [4205396811, 3543653536];
