import { tf } from '@sgdiff/nn';
import { ImageEncoder } from './image-encoder.js';

describe('ImageEncoder head', () => {
  it('is one Linear without the field, as checkpoints saved before it', () => {
    const tower = new ImageEncoder({ size: 16, channels: [8, 16], outDim: 4 });
    expect(tower.headOut).toBeNull();
    expect(tower.head.weight.shape).toEqual([4 * 4 * 16, 4]);
    const names = [...tower.parameters().keys()].filter((n) => n.startsWith('head'));
    expect(names).toEqual(['head.weight', 'head.bias']);
    tower.dispose();
  });

  it('mlp: Linear → GELU → Linear over the flattened grid (hand-computed)', () => {
    const tower = new ImageEncoder({ size: 16, channels: [8, 16], outDim: 1, head: 'mlp' });
    expect(tower.head.weight.shape).toEqual([256, 4]);
    expect(tower.headOut!.weight.shape).toEqual([4, 1]);
    // hidden = (f0, f1 − 1, 0, 0); out = gelu(f0) + gelu(f1 − 1) (+ 0 + 0).
    const w = new Float32Array(256 * 4);
    w[0 * 4 + 0] = 1;
    w[1 * 4 + 1] = 1;
    tower.head.weight.assign(tf.tensor2d(w, [256, 4]));
    tower.head.bias!.assign(tf.tensor1d([0, -1, 0, 0]));
    tower.headOut!.weight.assign(tf.tensor2d([1, 1, 0, 0], [4, 1]));
    tower.headOut!.bias!.assign(tf.zeros([1]));
    const f = new Float32Array(2 * 256);
    f.set([1, 1], 0); // gelu(1) + gelu(0) = 0.841345
    f.set([-1, 3], 256); // gelu(−1) + gelu(2) = −0.158655 + 1.954500 = 1.795845
    const features = tf.tensor2d(f, [2, 256]);
    const out = tower.project(features);
    const got = Array.from(out.dataSync());
    expect(got[0]).toBeCloseTo(0.841345, 5);
    expect(got[1]).toBeCloseTo(1.795845, 5);
    // The whole tower: [B, 16, 16, 3] → [B, 1], no tensors left behind.
    const before = tf.memory().numTensors;
    const images = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const y = tower.forward(images);
    expect(y.shape).toEqual([2, 1]);
    tf.dispose([images, y]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([features, out]);
    tower.dispose();
  });
});
