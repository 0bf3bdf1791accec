import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { GraphContext } from './graph-context.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

const config = { localDim: 8, globalDim: 8, contextDim: 16, numLocalTokens: 3 };
// Encoder-like tokens: small, as the synthetic encoder gives them (std ~0.03).
const tokens = () => ({
  local: tf.mul(tf.randomNormal([2, 3, 8], 0, 1, 'float32', 1), 0.03) as tf.Tensor3D,
  localMask: tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]),
  global: tf.mul(tf.randomNormal([2, 8], 0, 1, 'float32', 2), 0.03) as tf.Tensor2D,
});

describe('GraphContext', () => {
  it('without normalize keeps the old parameters (older models load unchanged)', () => {
    const c = new GraphContext(config);
    expect([...c.parameters().keys()].some((k) => k.startsWith('norm.'))).toBe(false);
    c.dispose();
  });

  it('with normalize gives unit-scale tokens and a unit-scale null context', () => {
    const c = new GraphContext({ ...config, normalize: true });
    const t = tokens();
    const { context, mask } = c.forward(t);
    expect(context.shape).toEqual([2, 4, 16]);
    const m = tf.moments(context, 2);
    for (const v of m.mean.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-4);
    for (const v of m.variance.dataSync()) expect(v).toBeGreaterThan(0.99);
    expect(Array.from(mask.dataSync())).toEqual([1, 1, 0, 1, 1, 0, 0, 1]);
    const nullStd = Math.sqrt(tf.moments(c.nullContext).variance.dataSync()[0]);
    expect(nullStd).toBeGreaterThan(0.8);
    // Unnormalised, the same tokens give a context several times smaller.
    const plain = new GraphContext(config);
    const small = Math.sqrt(tf.moments(plain.forward(t).context).variance.dataSync()[0]);
    expect(small).toBeLessThan(0.3);
    tf.dispose([context, mask, m.mean, m.variance, t.local, t.localMask, t.global]);
    c.dispose();
    plain.dispose();
  });
});
