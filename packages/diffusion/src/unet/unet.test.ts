import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { GraphContext } from '../conditioning/graph-context.js';
import { ResBlock } from '../blocks/res-block.js';
import { unetConfig } from './config.js';
import { timestepEmbedding } from './timestep-embedding.js';
import { UNet } from './unet.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

const tiny = unetConfig('synthetic-64', {
  modelChannels: 8,
  channelMult: [1, 2],
  attentionLevels: [0, 1],
  headChannels: 4,
  contextDim: 6,
  groups: 4,
});

describe('timestepEmbedding', () => {
  it('matches improved-diffusion’s formula on hand-computed values', () => {
    const e = timestepEmbedding(tf.tensor1d([0, 3]), 4);
    // half = 2, f = [1, exp(−ln(10000)/2)] = [1, 0.01]
    const want = [
      [1, 1, 0, 0],
      [Math.cos(3), Math.cos(0.03), Math.sin(3), Math.sin(0.03)],
    ];
    const got = e.arraySync();
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 6);
    e.dispose();
  });
});

describe('ResBlock', () => {
  it('starts as the identity (zero-initialised second conv)', () => {
    const block = new ResBlock(8, { embDim: 5, groups: 4 });
    const x = tf.randomNormal([2, 4, 4, 8]) as tf.Tensor4D;
    const y = block.forward(x, tf.randomNormal([2, 5]) as tf.Tensor2D);
    expect(tf.max(tf.abs(tf.sub(y, x))).dataSync()[0]).toBe(0);
    expect(() => block.forward(x)).toThrow(/needs a timestep embedding/);
  });
});

describe('UNet', () => {
  let unet: UNet;
  let x: tf.Tensor4D;
  let t: tf.Tensor1D;
  let ctx: tf.Tensor3D;
  beforeAll(() => {
    unet = new UNet(tiny);
    // Give the zero-initialised output layers weights, so the output depends on the inputs.
    for (const [name, v] of unet.parameters()) {
      if (/outConv|conv2|projOut/.test(name))
        v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 7));
    }
    x = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    t = tf.tensor1d([10, 500]);
    ctx = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 2) as tf.Tensor3D;
  });

  it('maps latents to ε of the same shape', () => {
    const eps = unet.forward(x, t, ctx);
    expect(eps.shape).toEqual([2, 8, 8, 4]);
    expect(Number.isFinite(tf.sum(eps).dataSync()[0])).toBe(true);
    eps.dispose();
  });

  it('predicts exactly zero at initialisation', () => {
    const fresh = new UNet(tiny);
    const eps = fresh.forward(x, t, ctx);
    expect(tf.max(tf.abs(eps)).dataSync()[0]).toBe(0);
    fresh.dispose();
  });

  it('ignores padded context tokens', () => {
    const mask = tf.tensor2d([
      [1, 1, 0, 0, 1],
      [1, 0, 0, 0, 1],
    ]);
    const noise = tf.mul(
      tf.randomNormal([2, 5, 6], 0, 5, 'float32', 3),
      tf.reshape(tf.sub(1, mask), [2, 5, 1]),
    );
    const a = unet.forward(x, t, ctx, mask);
    const b = unet.forward(x, t, tf.add(ctx, noise) as tf.Tensor3D, mask);
    const c = unet.forward(x, t, tf.add(ctx, noise) as tf.Tensor3D);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    // Without the mask the same change must show, or the test above proves nothing.
    expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  it('depends on the timestep and rejects bad shapes', () => {
    const a = unet.forward(x, t, ctx);
    const b = unet.forward(x, tf.tensor1d([11, 500]), ctx);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(0);
    expect(() =>
      unet.forward(tf.zeros([1, 7, 8, 4]) as tf.Tensor4D, tf.tensor1d([1]), ctx),
    ).toThrow(/must divide by 2/);
    expect(() => unet.forward(x, t, tf.zeros([2, 5, 3]) as tf.Tensor3D)).toThrow(
      /context width 3, expected 6/,
    );
  });

  it('has stable dotted parameter names', () => {
    const names = [...unet.parameters().keys()];
    expect(names).toContain('down.0.res.conv1.weight');
    expect(names).toContain('midAttn.crossAttn.k.weight');
    expect(names).toContain('up.2.attn.projOut.weight');
    expect(new Set(names).size).toBe(names.length);
  });

  it('with globalEmbedding, starts equal to the plain UNet and then reads the last token', () => {
    const g = new UNet({ ...tiny, globalEmbedding: true });
    const shared = new Map([...unet.parameters()]);
    for (const [k, v] of g.parameters())
      if (shared.has(k)) (v as tf.Variable).assign(shared.get(k)!);
    expect([...g.parameters().keys()].filter((k) => !shared.has(k)).sort()).toEqual([
      'globalEmbed.bias',
      'globalEmbed.weight',
    ]);
    const plain = unet.forward(x, t, ctx);
    const zero = g.forward(x, t, ctx); // zero-initialised: the same function
    expect(tf.max(tf.abs(tf.sub(plain, zero))).dataSync()[0]).toBe(0);
    g.globalEmbed!.weight.assign(
      tf.randomNormal(g.globalEmbed!.weight.shape, 0, 0.5, 'float32', 9),
    );
    const a = g.forward(x, t, ctx);
    // Changing only the last (global) token changes the output even with cross-attention off...
    const lastOnly = tf.concat([tf.slice(ctx, [0, 0, 0], [2, 4, 6]), tf.zeros([2, 1, 6])], 1);
    const b = g.forward(x, t, lastOnly as tf.Tensor3D);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(1e-3);
    // ...through the embedding: the plain UNet's change is only the cross-attention's.
    const viaAttn = tf.sub(unet.forward(x, t, ctx), unet.forward(x, t, lastOnly as tf.Tensor3D));
    expect(tf.max(tf.abs(tf.sub(tf.sub(a, b), viaAttn))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([plain, zero, a, b, lastOnly, viaAttn]);
    g.dispose();
  });

  it('leaks no tensors per forward pass', () => {
    unet.forward(x, t, ctx).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) unet.forward(x, t, ctx).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('GraphContext', () => {
  let gc: GraphContext;
  let tokens: { local: tf.Tensor3D; localMask: tf.Tensor2D; global: tf.Tensor2D };
  beforeAll(() => {
    gc = new GraphContext({ localDim: 3, globalDim: 2, contextDim: 6, numLocalTokens: 4 });
    tokens = {
      local: tf.randomNormal([2, 4, 3]) as tf.Tensor3D,
      localMask: tf.tensor2d([
        [1, 1, 0, 0],
        [1, 1, 1, 1],
      ]),
      global: tf.randomNormal([2, 2]) as tf.Tensor2D,
    };
  });

  it('appends the global token as a real token', () => {
    const { context, mask } = gc.forward(tokens);
    expect(context.shape).toEqual([2, 5, 6]);
    expect(mask.arraySync()).toEqual([
      [1, 1, 0, 0, 1],
      [1, 1, 1, 1, 1],
    ]);
  });

  it('swaps dropped graphs for the null context', () => {
    const { context, mask } = gc.forward(tokens, tf.tensor1d([1, 0]));
    const kept = gc.forward(tokens).context;
    const nul = gc.nullBatch(2);
    expect(
      tf.max(tf.abs(tf.sub(tf.slice(context, 0, 1), tf.slice(kept, 0, 1)))).dataSync()[0],
    ).toBe(0);
    expect(
      tf.max(tf.abs(tf.sub(tf.slice(context, 1, 1), tf.slice(nul.context, 1, 1)))).dataSync()[0],
    ).toBe(0);
    expect(mask.arraySync()[1]).toEqual([1, 1, 1, 1, 1]);
    expect(() => gc.forward({ ...tokens, local: tf.zeros([2, 3, 3]) as tf.Tensor3D })).toThrow(
      /3 local tokens, expected 4/,
    );
  });
});
