import * as tf from '../tf/index.js';
import { describeOnBackends, maxRelError, onCpu, randomArray } from '../testing/backends.js';
import { flat, readFixture } from '../testing/fixtures.js';
import { fans, kaimingNormal, kaimingUniform, xavierUniform } from '../init/initializers.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { Conv2d } from './conv2d.js';
import { Upsample } from './upsample.js';
import { GroupNorm, LayerNorm } from './norm.js';
import { Embedding } from './embedding.js';
import { MLP } from './mlp.js';
import { gelu, silu } from './activations.js';
import { MultiHeadAttention } from './attention.js';

type Nested = number | Nested[];
interface AttnFixture {
  heads: number;
  x: Nested;
  context?: Nested;
  mask?: number[][];
  params: Record<string, Nested>;
  y: Nested;
}
interface NormFixture {
  groups?: number;
  x: Nested;
  weight: number[];
  bias: number[];
  y: Nested;
}
interface Fixtures {
  selfAttention: AttnFixture;
  crossAttention: AttnFixture;
  groupNorm: NormFixture;
  layerNorm: NormFixture;
  gelu: { x: number[]; exact: number[]; tanh: number[]; silu: number[] };
}
const F = readFixture<Fixtures>('modules', 'fixtures', 'modules.json');

function shapeOf(x: Nested): number[] {
  return Array.isArray(x) ? [x.length, ...shapeOf(x[0])] : [];
}
function tensorOf(x: Nested): tf.Tensor {
  return tf.tensor(flat(x), shapeOf(x));
}
function setWeights(m: Module, values: Record<string, Nested>): void {
  m.loadWeights(new Map(Object.entries(values).map(([k, v]) => [k, tensorOf(v)])));
}

describeOnBackends(['cpu', 'wasm'], () => {
  it('Linear computes x·W + b on rank-3 input', async () => {
    const m = new Linear(2, 3);
    setWeights(m, {
      weight: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      bias: [0.5, -1, 0],
    });
    const y = m.forward(tf.tensor3d([1, 1, 2, 0, 0, -1], [1, 3, 2]));
    expect(y.shape).toEqual([1, 3, 3]);
    expect(Array.from(await y.data())).toEqual([5.5, 6, 9, 2.5, 3, 6, -3.5, -6, -6]);
    m.dispose();
  });

  it('Conv2d: stride 2, symmetric padding 1, bias', async () => {
    // 4×4 input 1..16, 3×3 all-ones filter, pad 1, stride 2 → sums of 3×3 windows at (0,0),(0,2),(2,0),(2,2).
    const m = new Conv2d(1, 1, { kernelSize: 3, stride: 2, padding: 1 });
    setWeights(m, { weight: tf.ones([3, 3, 1, 1]).arraySync() as Nested, bias: [10] });
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 4, 4, 1],
    );
    const y = m.forward(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    // (0,0): 1+2+5+6 = 14; (0,2): 2+3+4+6+7+8 = 30; (2,0): 5+6+9+10+13+14 = 57; (2,2): 6+7+8+10+11+12+14+15+16 = 99.
    expect(Array.from(await y.data())).toEqual([24, 40, 67, 109]);
    m.dispose();
  });

  it("Conv2d 'same' and 'valid' output sizes and a channel-mixing 1×1", async () => {
    const same = new Conv2d(2, 3, { kernelSize: 3, stride: 2 });
    const valid = new Conv2d(2, 3, { kernelSize: 3, padding: 'valid' });
    const x = tf.zeros([2, 7, 5, 2]) as tf.Tensor4D;
    expect(same.forward(x).shape).toEqual([2, 4, 3, 3]);
    expect(valid.forward(x).shape).toEqual([2, 5, 3, 3]);
    const mix = new Conv2d(2, 1, { kernelSize: 1, bias: false });
    setWeights(mix, { weight: [[[[2], [-1]]]] });
    const y = mix.forward(tf.tensor4d([1, 5, 3, 4], [1, 1, 2, 2]));
    expect(Array.from(await y.data())).toEqual([2 - 5, 6 - 4]);
    [same, valid, mix].forEach((m) => m.dispose());
  });

  it('Upsample repeats each pixel f×f, then convolves', async () => {
    const up = new Upsample(1, { conv: false });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const y = up.forward(x);
    expect(y.shape).toEqual([2, 4, 4, 1]);
    expect(Array.from(await y.data()).slice(0, 16)).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
    const upConv = new Upsample(1, { factor: 3 });
    const w = [
      [0, 0, 0],
      [0, 2, 0],
      [0, 0, 0],
    ].map((r) => r.map((v) => [[v]]));
    setWeights(upConv, { 'conv.weight': w, 'conv.bias': [1] });
    const z = upConv.forward(tf.tensor4d([1, 2], [1, 1, 2, 1]));
    expect(z.shape).toEqual([1, 3, 6, 1]);
    expect(Array.from(await z.data())).toEqual([
      3, 3, 3, 5, 5, 5, 3, 3, 3, 5, 5, 5, 3, 3, 3, 5, 5, 5,
    ]);
  });

  it('GroupNorm matches numpy (2 groups, NHWC)', async () => {
    const f = F.groupNorm;
    const m = new GroupNorm(f.groups as number, 6);
    setWeights(m, { weight: f.weight, bias: f.bias });
    const y = m.forward(tensorOf(f.x));
    expect(maxRelError(await y.data(), flat(f.y))).toBeLessThan(2e-5);
    m.dispose();
  });

  it('LayerNorm matches numpy', async () => {
    const f = F.layerNorm;
    const m = new LayerNorm(5);
    setWeights(m, { weight: f.weight, bias: f.bias });
    const y = m.forward(tensorOf(f.x));
    expect(maxRelError(await y.data(), flat(f.y))).toBeLessThan(2e-5);
    m.dispose();
  });

  it('SiLU and GELU (exact and tanh) match numpy', async () => {
    const x = tf.tensor1d(F.gelu.x);
    expect(maxRelError(await silu(x).data(), F.gelu.silu)).toBeLessThan(1e-5);
    expect(maxRelError(await gelu(x).data(), F.gelu.exact)).toBeLessThan(1e-5);
    expect(maxRelError(await gelu(x, 'tanh').data(), F.gelu.tanh)).toBeLessThan(1e-5);
  });

  it('Embedding looks rows up for int ids of any rank', async () => {
    const m = new Embedding(3, 2);
    setWeights(m, {
      weight: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    });
    const y = m.forward(tf.tensor2d([2, 0, 1, 2], [2, 2], 'int32'));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(Array.from(await y.data())).toEqual([5, 6, 1, 2, 3, 4, 5, 6]);
    m.dispose();
  });

  it('MLP: Linear → ReLU → Linear by hand', async () => {
    const m = new MLP(2, { hidden: 2, out: 1, activation: 'relu' });
    setWeights(m, {
      'fc1.weight': [
        [1, -1],
        [1, 1],
      ],
      'fc1.bias': [0, 0],
      'fc2.weight': [[2], [3]],
      'fc2.bias': [1],
    });
    const y = m.forward(tf.tensor2d([1, 2, 3, -5], [2, 2]));
    // h1 = relu([3, 1]) → 2·3 + 3·1 + 1 = 10; h2 = relu([-2, -8]) → 1.
    expect(Array.from(await y.data())).toEqual([10, 1]);
    m.dispose();
  });

  it('self-attention with 2 heads matches numpy', async () => {
    const f = F.selfAttention;
    const m = new MultiHeadAttention(4, { heads: f.heads });
    setWeights(m, f.params);
    const y = m.forward(tensorOf(f.x) as tf.Tensor3D);
    expect(maxRelError(await y.data(), flat(f.y))).toBeLessThan(2e-5);
    m.dispose();
  });

  it('cross-attention with padded keys matches numpy; padded keys have no influence', async () => {
    const f = F.crossAttention;
    const m = new MultiHeadAttention(4, { heads: f.heads, contextDim: 6 });
    setWeights(m, f.params);
    const x = tensorOf(f.x) as tf.Tensor3D;
    const ctx = tensorOf(f.context as Nested) as tf.Tensor3D;
    const mask = tf.tensor2d(f.mask as number[][]);
    const y = m.forward(x, ctx, mask);
    expect(maxRelError(await y.data(), flat(f.y))).toBeLessThan(2e-5);
    // Changing batch 0's padded tokens changes nothing.
    const padOnly = tf.tensor3d(
      Array.from({ length: 2 * 5 * 6 }, (_, i) => (i < 30 && Math.floor(i / 6) >= 3 ? 100 : 0)),
      [2, 5, 6],
    );
    const ctx2 = tf.add(ctx, padOnly) as tf.Tensor3D;
    const y2 = m.forward(x, ctx2, mask);
    expect(maxRelError(await y2.data(), await y.data())).toBe(0);
    m.dispose();
  });

  it('attention dropout acts in training only', async () => {
    const m = new MultiHeadAttention(4, { heads: 2, dropout: 0.5 });
    const x = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 7) as tf.Tensor3D;
    m.eval();
    const a = await m.forward(x).data();
    const b = await m.forward(x).data();
    expect(maxRelError(a, b)).toBe(0);
    m.train();
    const c = await m.forward(x).data();
    expect(maxRelError(c, a)).toBeGreaterThan(1e-3);
    m.dispose();
  });
});

describe('initialisers', () => {
  it('fans of dense and conv shapes', () => {
    expect(fans([5, 7])).toEqual({ fanIn: 5, fanOut: 7 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
  });

  it('have the documented spread', async () => {
    const std = async (t: tf.Tensor) => Math.sqrt((await tf.moments(t).variance.data())[0]);
    const max = async (t: tf.Tensor) => (await tf.max(tf.abs(t)).data())[0];
    // Kaiming normal: √2/√fanIn. fanIn = 3·3·64 = 576 → 0.0589.
    expect(await std(kaimingNormal([3, 3, 64, 64], { seed: 1 }))).toBeCloseTo(Math.SQRT2 / 24, 3);
    // Kaiming uniform (PyTorch default): bound 1/√fanIn = 1/16, std bound/√3.
    const ku = kaimingUniform([256, 300], { seed: 2 });
    expect(await max(ku)).toBeLessThanOrEqual(1 / 16);
    expect(await std(ku)).toBeCloseTo(1 / 16 / Math.sqrt(3), 3);
    // Xavier uniform: bound √(6/(fanIn+fanOut)) = √(6/600) = 0.1.
    const xu = xavierUniform([300, 300], { seed: 3 });
    expect(await max(xu)).toBeLessThanOrEqual(0.1);
    expect(await std(xu)).toBeCloseTo(0.1 / Math.sqrt(3), 3);
  });

  it('zero-init output layers start as zero', async () => {
    const m = new Linear(4, 4, { init: 'zeros' });
    expect(Array.from(await m.forward(tf.ones([2, 4])).data())).toEqual(new Array(8).fill(0));
    m.dispose();
  });
});

// LayerNorm on the fused GroupNorm kernels, and Linear/Conv2d with the bias inside the kernel:
// forward and gradients against the cpu backend, where the plain tfjs composition runs.
describeOnBackends(['wasm', 'webgpu'], () => {
  function grads(): tf.Tensor[] {
    const ln = new LayerNorm(48);
    const lin = new Linear(48, 24, { seed: 1 });
    const conv = new Conv2d(24, 8, { seed: 2 });
    const x = tf.tensor3d(randomArray(2 * 16 * 48, 1), [2, 16, 48]);
    tf.tidy(() => {
      ln.weight!.assign(tf.add(1, tf.tensor1d(randomArray(48, 2))));
      ln.bias!.assign(tf.tensor1d(randomArray(48, 3)));
    });
    const params = [ln.weight!, ln.bias!, lin.weight, lin.bias!, conv.weight, conv.bias!];
    const f = (xi: tf.Tensor) => {
      const h = lin.forward(ln.forward(xi)); // [2, 16, 24]
      const y = conv.forward(tf.reshape(h, [2, 4, 4, 24]) as tf.Tensor4D);
      return tf.sum(tf.mul(y, tf.sin(y)));
    };
    const { grads: g } = tf.variableGrads(() => f(x) as tf.Scalar, params);
    const dx = tf.grad(f)(x);
    const out = [f(x), dx, ...params.map((p) => g[p.name])];
    tf.dispose([x]);
    [ln, lin, conv].forEach((m) => m.dispose());
    return out;
  }

  it('fused LayerNorm, Linear and Conv2d bias: value and gradients match the cpu composition', async () => {
    const ref = await onCpu(grads);
    const got = grads();
    expect(got.length).toBe(8);
    for (let i = 0; i < got.length; i++)
      expect(maxRelError(await got[i].data(), ref[i])).toBeLessThan(1e-4);
    tf.dispose(got);
  });
});
