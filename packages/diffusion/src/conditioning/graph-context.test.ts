import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { GraphContext, tokenStats } from './graph-context.js';

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
    expect(nullStd).toBeGreaterThan(0.6); // 48 unseeded draws of N(0, 1): 4 sigma below 1
    // Unnormalised, the same tokens give a context several times smaller.
    const plain = new GraphContext(config);
    const small = Math.sqrt(tf.moments(plain.forward(t).context).variance.dataSync()[0]);
    expect(small).toBeLessThan(0.3);
    tf.dispose([context, mask, m.mean, m.variance, t.local, t.localMask, t.global]);
    c.dispose();
    plain.dispose();
  });

  it('computes token stats over real tokens only, by hand', () => {
    // Graph 0: tokens [1, 2] and [3, 6] real, [100, 100] padding; graph 1: [5, 10] real.
    const t = {
      local: tf.tensor3d([1, 2, 3, 6, 100, 100, 5, 10, 100, 100, 100, 100], [2, 3, 2]),
      localMask: tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]),
      global: tf.tensor2d([0, 1, 2, 3], [2, 2]),
    };
    const s = tokenStats(t);
    expect(s.localMean).toEqual([3, 6]); // (1+3+5)/3, (2+6+10)/3
    expect(s.localStd[0]).toBeCloseTo(Math.sqrt(8 / 3), 5); // deviations −2, 0, 2
    expect(s.localStd[1]).toBeCloseTo(Math.sqrt(32 / 3), 5); // −4, 0, 4
    expect(s.globalMean).toEqual([1, 2]);
    expect(s.globalStd[0]).toBeCloseTo(1, 5);
    tf.dispose([t.local, t.localMask, t.global]);
  });

  it('with standardize projects standardised tokens, keeping their norms apart', () => {
    const t = tokens();
    const stats = tokenStats(t);
    const c = new GraphContext({ ...config, standardize: stats });
    const plain = new GraphContext(config);
    const own = plain.parameters();
    for (const [k, v] of c.parameters()) own.get(k)!.assign(v);
    const std = (x: tf.Tensor, mean: number[], sd: number[]) => tf.div(tf.sub(x, mean), sd);
    const manual = plain.forward({
      ...t,
      local: std(t.local, stats.localMean, stats.localStd) as tf.Tensor3D,
      global: std(t.global, stats.globalMean, stats.globalStd) as tf.Tensor2D,
    });
    const got = c.forward(t);
    const diff = tf.max(tf.abs(tf.sub(got.context, manual.context))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    // Two tokens in one direction, norms 1 and 3: a LayerNorm (on a bias-free projection) makes
    // them one; standardising does not.
    const one = {
      local: tf.ones([1, 3, 8]) as tf.Tensor3D,
      localMask: tf.ones([1, 3]) as tf.Tensor2D,
    };
    const pair = {
      local: tf.concat([one.local, tf.mul(one.local, 3)]) as tf.Tensor3D,
      localMask: tf.ones([2, 3]) as tf.Tensor2D,
      global: tf.zeros([2, 8]) as tf.Tensor2D,
    };
    const layer = new GraphContext({ ...config, normalize: true });
    layer
      .parameters()
      .get('localProj.bias')!
      .assign(tf.zeros([16])); // LN(W·3x) = LN(W·x)
    const gap = (ctx: tf.Tensor) =>
      tf
        .max(
          tf.abs(
            tf.sub(tf.slice(ctx, [0, 0, 0], [1, 1, -1]), tf.slice(ctx, [1, 0, 0], [1, 1, -1])),
          ),
        )
        .dataSync()[0];
    expect(gap(layer.forward(pair).context)).toBeLessThan(1e-3);
    expect(gap(c.forward(pair).context)).toBeGreaterThan(0.1);
    expect(Math.sqrt(tf.moments(c.nullContext).variance.dataSync()[0])).toBeGreaterThan(0.6); // 48 draws of N(0, 1)
    for (const m of [c, plain, layer]) m.dispose();
  });
  it('with labelDim adds projected label tokens to the real local tokens, starting at zero', async () => {
    const withLabels = new GraphContext({ ...config, normalize: true, labelDim: 6 });
    const base = new GraphContext({ ...config, normalize: true });
    // The same weights apart from the label projection.
    const shared = new Map(
      [...withLabels.parameters()].filter(([k]) => !k.startsWith('labelProj.')),
    );
    base.loadWeights(shared);
    const t = {
      ...tokens(),
      labelTokens: tf.randomNormal([2, 3, 6], 0, 1, 'float32', 3) as tf.Tensor3D,
    };
    const c0 = withLabels.forward(t);
    const b0 = base.forward(t);
    // Zero-initialised: a model trained without label tokens starts unchanged.
    expect(Array.from(c0.context.dataSync())).toEqual(Array.from(b0.context.dataSync()));

    const W = tf.randomNormal([6, 16], 0, 1, 'float32', 4);
    withLabels.labelProj!.weight.assign(W);
    withLabels.labelProj!.bias!.assign(tf.fill([16], 0.5));
    const r1 = withLabels.forward(t);
    const c1 = (await r1.context.array()) as number[][][];
    const b = (await b0.context.array()) as number[][][];
    const lab = (await t.labelTokens.array()) as number[][][];
    const w = (await W.array()) as number[][];
    const mask = [
      [1, 1, 0],
      [1, 0, 0],
    ];
    for (let g = 0; g < 2; g++)
      for (let k = 0; k < 4; k++)
        for (let j = 0; j < 16; j++) {
          // By hand: real local tokens get labels·W + bias; padding and the global token nothing.
          const add =
            k < 3 && mask[g][k] ? lab[g][k].reduce((a, v, i) => a + v * w[i][j], 0) + 0.5 : 0;
          expect(c1[g][k][j]).toBeCloseTo(b[g][k][j] + add, 4);
        }
    expect(() => withLabels.forward(tokens())).toThrow(/label tokens/);
    tf.dispose([c0.context, c0.mask, b0.context, b0.mask, r1.context, r1.mask, W]);
    tf.dispose([t.local, t.localMask, t.global, t.labelTokens]);
    withLabels.dispose();
    base.dispose();
  });
});
