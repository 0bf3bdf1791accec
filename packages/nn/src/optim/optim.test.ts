import * as tf from '../tf/index.js';
import {
  describeOnBackends,
  maxRelError,
  onCpu,
  randomArray,
  useBackend,
} from '../testing/backends.js';
import { flat, readFixture } from '../testing/fixtures.js';
import { Module } from '../modules/module.js';
import { AdamW } from './adamw.js';
import { adamwUpdateWasm } from '../kernels/wasm/adamw.js';
import { clipByGlobalNorm, globalNorm } from './clip-grad-norm.js';
import { warmupCosine } from './lr-schedule.js';
import { EMA } from './ema.js';
import { NonFiniteError } from './non-finite.js';
import { trainStep } from './train-step.js';

interface AdamFixture {
  x: number[][];
  y: number[][];
  w0: number[][];
  b0: number[];
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  steps: Array<{ w: number[][]; b: number[] }>;
}
const F = readFixture<AdamFixture>('optim', 'fixtures', 'adamw.json');

class Affine extends Module {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(w: number[][], b: number[]) {
    super();
    this.w = this.param(() => tf.tensor2d(w));
    this.b = this.param(() => tf.tensor1d(b));
  }
  forward(x: tf.Tensor2D): tf.Tensor {
    return tf.add(tf.matMul(x, this.w as tf.Tensor2D), this.b);
  }
}

beforeAll(async () => {
  await useBackend('cpu');
});

async function numpyReference(): Promise<void> {
  const m = new Affine(F.w0, F.b0);
  const opt = new AdamW(m.parameters(), {
    lr: F.lr,
    beta1: F.beta1,
    beta2: F.beta2,
    eps: F.eps,
    weightDecay: F.weightDecay,
  });
  expect(opt.decays('w')).toBe(true);
  expect(opt.decays('b')).toBe(false);
  const x = tf.tensor2d(F.x);
  const y = tf.tensor2d(F.y);
  for (const expected of F.steps) {
    await trainStep(
      m,
      opt,
      () => tf.div(tf.sum(tf.square(tf.sub(m.forward(x), y))), 2) as tf.Scalar,
    );
    expect(maxRelError(await m.w.data(), flat(expected.w))).toBeLessThan(1e-5);
    expect(maxRelError(await m.b.data(), expected.b)).toBeLessThan(1e-5);
  }
  expect(opt.step).toBe(5);
}

describe('AdamW', () => {
  it('matches the numpy reference for 5 steps, decaying w but not b', numpyReference);

  it('first step moves each weight by lr·sign(g), after decay', async () => {
    const m = new Affine([[2]], [3]);
    const opt = new AdamW(m.parameters(), { lr: 0.01, weightDecay: 0.1 });
    // loss = w·5 − b·7 → g_w = 5, g_b = −7.
    await trainStep(
      m,
      opt,
      () => tf.sub(tf.mul(tf.sum(m.w), 5), tf.mul(tf.sum(m.b), 7)) as tf.Scalar,
    );
    expect((await m.w.data())[0]).toBeCloseTo(2 * (1 - 0.01 * 0.1) - 0.01, 6);
    expect((await m.b.data())[0]).toBeCloseTo(3 + 0.01, 6);
  });

  it("lrScale multiplies one parameter's step and decay, and refuses a negative scale", async () => {
    const m = new Affine([[2]], [3]);
    const opt = new AdamW(m.parameters(), {
      lr: 0.01,
      weightDecay: 0.1,
      lrScale: (name) => (name === 'w' ? 4 : 1),
    });
    await trainStep(
      m,
      opt,
      () => tf.sub(tf.mul(tf.sum(m.w), 5), tf.mul(tf.sum(m.b), 7)) as tf.Scalar,
    );
    // w at lr 0.04: decay 1 − 0.04·0.1, then −0.04·sign(5); b as without a scale.
    expect((await m.w.data())[0]).toBeCloseTo(2 * (1 - 0.04 * 0.1) - 0.04, 6);
    expect((await m.b.data())[0]).toBeCloseTo(3 + 0.01, 6);
    expect(() => new AdamW(m.parameters(), { lr: 0.01, lrScale: () => -1 })).toThrow(
      /scale -1 for "w"/,
    );
  });

  it('stops with NonFiniteError and leaves the weights untouched', async () => {
    const m = new Affine([[1]], [1]);
    const opt = new AdamW(m.parameters(), { lr: 0.1 });
    const before = tf.memory().numTensors;
    await expect(trainStep(m, opt, () => tf.mul(tf.sum(m.w), NaN) as tf.Scalar)).rejects.toThrow(
      new NonFiniteError(0, 'loss', NaN).message,
    );
    await expect(
      trainStep(m, opt, () => tf.sum(tf.mul(m.w, tf.sqrt(tf.scalar(-1)))) as tf.Scalar),
    ).rejects.toThrow(/loss is NaN at step 0; training stopped before writing a checkpoint/);
    await expect(
      trainStep(m, opt, () => tf.mul(tf.sum(tf.pow(m.w, 0.5)), 0) as tf.Scalar),
    ).resolves.toBeDefined();
    expect(tf.memory().numTensors).toBe(before);
    const w = Array.from(await m.w.data());
    const inf = trainStep(m, opt, () => tf.sum(tf.mul(m.w, 1e38 * 10)) as tf.Scalar);
    await expect(inf).rejects.toThrow(/is \+Infinity at step 1/);
    expect(Array.from(await m.w.data())).toEqual(w);
    expect(opt.step).toBe(1);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by maxNorm / norm when above, not at all below', async () => {
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 4])],
      ['b', tf.tensor1d([12])],
    ]);
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1.3);
    expect((await norm.data())[0]).toBeCloseTo(13, 5);
    expect(maxRelError(await (clipped.get('a') as tf.Tensor).data(), [0.3, 0.4])).toBeLessThan(
      1e-6,
    );
    expect(maxRelError(await (clipped.get('b') as tf.Tensor).data(), [1.2])).toBeLessThan(1e-6);
    const { grads: same } = clipByGlobalNorm(grads, 100);
    expect(Array.from(await (same.get('a') as tf.Tensor).data())).toEqual([3, 4]);
  });
});

describe('warmupCosine', () => {
  it('warms up linearly then follows a half cosine to minLr', () => {
    const lr = warmupCosine({ peakLr: 1, warmupSteps: 4, totalSteps: 14, minLr: 0.1 });
    expect([0, 1, 2, 3].map(lr)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lr(4)).toBeCloseTo(1, 12);
    expect(lr(9)).toBeCloseTo(0.55, 12); // halfway: min + (peak − min)/2
    expect(lr(14)).toBe(0.1);
    expect(lr(100)).toBe(0.1);
  });
});

describe('EMA', () => {
  it('averages with the given decay', async () => {
    const m = new Affine([[0]], [10]);
    const ema = new EMA(m, { decay: 0.5 });
    m.w.assign(tf.tensor2d([[4]]));
    ema.update(); // 0.5·0 + 0.5·4 = 2
    m.w.assign(tf.tensor2d([[8]]));
    ema.update(); // 0.5·2 + 0.5·8 = 5
    expect(Array.from(await (ema.parameters().get('w') as tf.Tensor).data())).toEqual([5]);
    expect(Array.from(await (ema.parameters().get('b') as tf.Tensor).data())).toEqual([10]);
    const target = new Affine([[0]], [0]);
    ema.copyTo(target);
    expect(Array.from(await target.w.data())).toEqual([5]);
  });

  it('warmup uses min(decay, (1+n)/(10+n))', () => {
    const ema = new EMA(new Affine([[0]], [0]), { decay: 0.999, warmup: true });
    expect(ema.currentDecay()).toBeCloseTo(0.1, 12);
    ema.updates = 90;
    expect(ema.currentDecay()).toBeCloseTo(0.91, 12);
  });
});

// wasm runs the fused update (src/kernels/wasm/adamw.ts) and the heap norm.
describeOnBackends(['wasm'], () => {
  it('fused AdamW matches the numpy reference for 5 steps', numpyReference);

  it('clipping inside the update equals clipByGlobalNorm then the update', async () => {
    const run = async (fusedClip: boolean) => {
      const m = new Affine(F.w0, F.b0);
      const opt = new AdamW(m.parameters(), { lr: 0.05, weightDecay: 0.1 });
      const x = tf.tensor2d(F.x);
      const y = tf.tensor2d(F.y);
      const loss = () => tf.sum(tf.square(tf.sub(m.forward(x), y))) as tf.Scalar;
      for (let i = 0; i < 3; i++) {
        if (fusedClip) {
          await trainStep(m, opt, loss, { clipNorm: 0.5 });
        } else {
          const { grads } = tf.variableGrads(loss, [...m.parameters().values()]);
          const byName = new Map([...m.parameters()].map(([n, v]) => [n, grads[v.name]]));
          const clipped = clipByGlobalNorm(byName, 0.5);
          expect(await clipped.norm.data()).not.toEqual(new Float32Array([0]));
          opt.applyGradients(clipped.grads);
          tf.dispose([...Object.values(grads), ...clipped.grads.values(), clipped.norm]);
        }
      }
      const out = [await m.w.data(), await m.b.data()];
      tf.dispose([x, y]);
      m.dispose();
      opt.dispose();
      return out;
    };
    const [a, b] = [await run(true), await run(false)];
    expect(maxRelError(a[0], b[0])).toBeLessThan(1e-6);
    expect(maxRelError(a[1], b[1])).toBeLessThan(1e-6);
  });

  it('the wasm AdamW kernel equals the f32 formula bit for bit (SIMD body and scalar tail)', async () => {
    const n = 1003;
    const [g, p, m] = [1, 2, 3].map((seed) => randomArray(n, seed));
    const v = randomArray(n, 4).map((x) => x * x);
    const s = {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      sqrtBc2: Math.sqrt(1 - 0.999 ** 3),
      decay: 1 - 0.01 * 0.1,
      stepSize: 0.01 / (1 - 0.9 ** 3),
      gradScale: 0.7,
    };
    const ts = [g, p, m, v].map((a) => tf.tensor1d(a));
    const out = adamwUpdateWasm(ts[0], ts[1], ts[2], ts[3], s);
    const f = Math.fround;
    const ref = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++) {
      const gi = f(g[i] * f(s.gradScale));
      const m1 = f(f(f(s.beta1) * m[i]) + f(gi * f(1 - s.beta1)));
      const v1 = f(f(f(s.beta2) * v[i]) + f(f(gi * gi) * f(1 - s.beta2)));
      const d = f(f(f(Math.sqrt(v1)) / f(s.sqrtBc2)) + f(s.eps));
      ref[0][i] = f(f(p[i] * f(s.decay)) - f(f(m1 / d) * f(s.stepSize)));
      ref[1][i] = m1;
      ref[2][i] = v1;
    }
    for (let i = 0; i < 3; i++) expect(await out[i].data()).toEqual(ref[i]);
    tf.dispose([...ts, ...out]);
  });

  it('the heap gradient norm equals the cpu composition', async () => {
    const values = [randomArray(1000, 1), randomArray(7, 2)];
    const grads = () => new Map(values.map((v, i) => [`g${i}`, tf.tensor1d(v)]));
    const [ref] = await onCpu(() => globalNorm(grads()));
    const g = grads();
    const norm = globalNorm(g);
    expect(maxRelError(await norm.data(), ref)).toBeLessThan(1e-6);
    tf.dispose([norm, ...g.values()]);
  });
});
