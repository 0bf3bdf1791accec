import * as tf from '../tf/index.js';
import { describeOnBackends, maxRelError, onCpu, randomArray } from '../testing/backends.js';

interface Case {
  batch: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  stride: number;
  pad: 'same' | 'valid';
}

// Strides 1/2, same/valid, odd sizes, batch > 1, non-square filters.
const CASES: Case[] = [
  { batch: 1, h: 5, w: 5, ci: 2, co: 3, k: [3, 3], stride: 1, pad: 'same' },
  { batch: 3, h: 7, w: 6, ci: 3, co: 4, k: [3, 3], stride: 1, pad: 'valid' },
  { batch: 2, h: 7, w: 9, ci: 3, co: 2, k: [3, 3], stride: 2, pad: 'same' },
  { batch: 2, h: 8, w: 7, ci: 2, co: 5, k: [3, 3], stride: 2, pad: 'valid' },
  { batch: 2, h: 9, w: 8, ci: 4, co: 3, k: [4, 4], stride: 2, pad: 'same' },
  { batch: 2, h: 6, w: 5, ci: 2, co: 3, k: [1, 1], stride: 2, pad: 'valid' },
  { batch: 3, h: 5, w: 11, ci: 1, co: 2, k: [2, 3], stride: 1, pad: 'same' },
  { batch: 2, h: 10, w: 10, ci: 3, co: 3, k: [5, 5], stride: 2, pad: 'valid' },
  // wasm's filter gradient switches from im2col to the dilated conv at batch ≥ 8, ≥ 16 channels.
  { batch: 8, h: 5, w: 6, ci: 16, co: 3, k: [3, 3], stride: 1, pad: 'same' },
  { batch: 8, h: 7, w: 7, ci: 16, co: 4, k: [3, 3], stride: 2, pad: 'valid' },
];

function label(c: Case): string {
  return `B${c.batch} ${c.h}x${c.w} ${c.ci}->${c.co} k${c.k.join('x')} s${c.stride} ${c.pad}`;
}

/** Gradients of sum(conv(x, w) · r) with respect to x and w, r a fixed random weighting. */
function convGrads(c: Case): tf.Tensor[] {
  const x = tf.tensor4d(randomArray(c.batch * c.h * c.w * c.ci, 1), [c.batch, c.h, c.w, c.ci]);
  const w = tf.tensor4d(randomArray(c.k[0] * c.k[1] * c.ci * c.co, 2), [...c.k, c.ci, c.co]);
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const r = tf.tensor(randomArray(y.size, 3), y.shape);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)),
  );
  return g([x, w]);
}

describeOnBackends(['cpu', 'wasm', 'webgpu'], () => {
  it.each(CASES.map((c) => [label(c), c] as const))(
    'conv2d input and filter gradients match cpu: %s',
    async (_, c) => {
      const [refDx, refDw] = await onCpu(() => convGrads(c));
      const before = tf.memory().numTensors;
      const [dx, dw] = tf.tidy(() => convGrads(c));
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(dx.shape).toEqual([c.batch, c.h, c.w, c.ci]);
      expect(dw.shape).toEqual([...c.k, c.ci, c.co]);
      expect(maxRelError(await dx.data(), refDx)).toBeLessThan(1e-4);
      expect(maxRelError(await dw.data(), refDw)).toBeLessThan(1e-4);
      tf.dispose([dx, dw]);
    },
  );
});
