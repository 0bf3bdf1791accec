import * as tf from '../tf/index.js';
import { isReplacementInstalled, KERNEL_REPLACEMENTS } from './register.js';
import { describeOnBackends, maxRelError, onCpu, randomArray } from '../testing/backends.js';

describeOnBackends(['cpu', 'wasm', 'webgpu'], (backend) => {
  it('uses the replacement kernels', () => {
    for (const k of KERNEL_REPLACEMENTS.filter((k) => k.backendName === backend)) {
      expect(isReplacementInstalled(k.kernelName, backend)).toBe(true);
    }
  });

  it('addN of 15 tensors is exact (webgpu needs chunking to stay within 8 storage buffers)', async () => {
    const xs = Array.from({ length: 15 }, (_, i) => tf.fill([3], i + 1));
    const y = tf.addN(xs);
    expect(Array.from(await y.data())).toEqual([120, 120, 120]);
    tf.dispose([...xs, y]);
  });

  it('unsortedSegmentSum matches hand-computed sums, with an empty segment', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 2]);
    const ids = tf.tensor1d([2, 0, 2, 0, 2], 'int32');
    const y = tf.unsortedSegmentSum(x, ids, 3);
    expect(Array.from(await y.data())).toEqual([3 + 7, 4 + 8, 0, 0, 1 + 5 + 9, 2 + 6 + 10]);
    tf.dispose([x, ids, y]);
  });

  it('gather (embedding) gradient matches cpu, repeated ids, rank-2 indices', async () => {
    const run = () => {
      const table = tf.tensor2d(randomArray(7 * 5, 4), [7, 5]);
      const ids = tf.tensor2d([0, 3, 3, 6, 1, 3], [2, 3], 'int32');
      const r = tf.tensor(randomArray(2 * 3 * 5, 5), [2, 3, 5]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), r)))(table);
    };
    const [ref] = await onCpu(run);
    const g = tf.tidy(run);
    expect(g.shape).toEqual([7, 5]);
    expect(maxRelError(await g.data(), ref)).toBeLessThan(1e-5);
    g.dispose();
  });

  it('resizeNearestNeighbor gradient for batch > 1 matches hand-computed values', async () => {
    // x: [2, 2, 2, 1] upsampled ×2 → [2, 4, 4, 1]; dy = 1..32. Each input pixel receives the sum of
    // the 2×2 block it was copied into.
    const x = tf.zeros([2, 2, 2, 1]);
    const dy = tf.tensor4d(
      Array.from({ length: 32 }, (_, i) => i + 1),
      [2, 4, 4, 1],
    );
    const g = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [4, 4]), dy)),
    )(x);
    const block = (b: number, r: number, c: number) => {
      const at = (y: number, z: number) => b * 16 + y * 4 + z + 1;
      return (
        at(2 * r, 2 * c) + at(2 * r, 2 * c + 1) + at(2 * r + 1, 2 * c) + at(2 * r + 1, 2 * c + 1)
      );
    };
    const expected = [0, 1].flatMap((b) => [
      block(b, 0, 0),
      block(b, 0, 1),
      block(b, 1, 0),
      block(b, 1, 1),
    ]);
    expect(expected).toEqual([14, 22, 46, 54, 78, 86, 110, 118]);
    expect(Array.from(await g.data())).toEqual(expected);
    tf.dispose([x, dy, g]);
  });

  it('resizeNearestNeighbor gradient, odd ratio 3→7 with channels, matches a scatter-add by hand', async () => {
    const [b, h, w, c, oh, ow] = [2, 3, 3, 2, 7, 5];
    const dyValues = randomArray(b * oh * ow * c, 6);
    const x = tf.zeros([b, h, w, c]);
    const dy = tf.tensor4d(dyValues, [b, oh, ow, c]);
    const g = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [oh, ow]), dy)),
    )(x);
    // Nearest source index without align-corners: floor(o · in / out).
    const expected = new Float64Array(b * h * w * c);
    for (let n = 0; n < b; n++)
      for (let r = 0; r < oh; r++)
        for (let q = 0; q < ow; q++)
          for (let k = 0; k < c; k++) {
            const sr = Math.floor((r * h) / oh);
            const sq = Math.floor((q * w) / ow);
            expected[((n * h + sr) * w + sq) * c + k] += dyValues[((n * oh + r) * ow + q) * c + k];
          }
    expect(maxRelError(await g.data(), expected)).toBeLessThan(1e-5);
    tf.dispose([x, dy, g]);
  });
});
