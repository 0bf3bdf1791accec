// The fused WebGPU kernels against the unfused tfjs composition, both on the webgpu backend
// (lavapipe in CI), toggled with setFusedWebGpuKernels.
import * as tf from '../../tf/index.js';
import { describeOnBackends, maxRelError, randomArray } from '../../testing/backends.js';
import { GroupNorm } from '../../modules/norm.js';
import { AdamW } from '../../optim/adamw.js';
import { setFusedWebGpuKernels } from './fused.js';
import { canFuseGroupNorm } from './group-norm.js';

interface GnResult {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/** GroupNorm(± SiLU) forward and the gradients of Σ y·r in x, γ, β, fused or not. */
async function runGroupNorm(
  fused: boolean,
  shape: number[],
  groups: number,
  silu: boolean,
  affine = true,
  seed = 1,
): Promise<GnResult> {
  setFusedWebGpuKernels(fused);
  try {
    const c = shape[shape.length - 1];
    const n = shape.reduce((a, b) => a * b, 1);
    const m = new GroupNorm(groups, c, { affine });
    if (m.weight && m.bias) {
      m.weight.assign(tf.tensor1d(Array.from(randomArray(c, seed + 1), (v) => 1 + v)));
      m.bias.assign(tf.tensor1d(randomArray(c, seed + 2)));
    }
    // An offset and scale per channel, so that mean/variance are not trivially 0/1.
    const raw = randomArray(n, seed);
    const xv = tf.variable(
      tf.tensor(
        Array.from(raw, (v, i) => 3 * v + (i % c) * 0.5 - 1),
        shape,
      ),
    );
    const r = tf.tensor(randomArray(n, seed + 3), shape);
    expect(canFuseGroupNorm(xv, groups)).toBe(fused);
    const vars = [xv, ...(m.weight && m.bias ? [m.weight, m.bias] : [])];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(m.forward(xv, { silu }), r)),
      vars,
    );
    value.dispose();
    const y = tf.tidy(() => m.forward(xv, { silu }));
    const out: GnResult = {
      y: (await y.data()) as Float32Array,
      dx: (await grads[xv.name].data()) as Float32Array,
      dw: m.weight ? ((await grads[m.weight.name].data()) as Float32Array) : new Float32Array(),
      db: m.bias ? ((await grads[m.bias.name].data()) as Float32Array) : new Float32Array(),
    };
    tf.dispose([y, xv, r, ...Object.values(grads)]);
    m.dispose();
    return out;
  } finally {
    setFusedWebGpuKernels(true);
  }
}

describeOnBackends(['webgpu'], () => {
  const cases: { shape: number[]; groups: number }[] = [
    { shape: [2, 5, 3, 12], groups: 4 }, // NHWC, odd spatial, batch 2
    { shape: [2, 5, 3, 12], groups: 1 },
    { shape: [2, 5, 3, 12], groups: 12 }, // one channel per group
    { shape: [3, 7, 9], groups: 3 }, // [B, T, C], 3 channels per group
    { shape: [1, 3, 3, 64], groups: 32 }, // the reference block's 2 channels per group, B = 1
    { shape: [2, 6], groups: 2 }, // [B, C]
    { shape: [1, 40, 5], groups: 1 }, // 200 values in one group: more rows than lanes
  ];
  for (const { shape, groups } of cases) {
    for (const silu of [false, true]) {
      it(`GroupNorm${silu ? '+SiLU' : ''} [${shape}] G=${groups}: forward and gradients match the unfused path`, async () => {
        const ref = await runGroupNorm(false, shape, groups, silu);
        const got = await runGroupNorm(true, shape, groups, silu);
        expect(maxRelError(got.y, ref.y)).toBeLessThan(1e-4);
        expect(maxRelError(got.dx, ref.dx)).toBeLessThan(2e-4);
        expect(maxRelError(got.dw, ref.dw)).toBeLessThan(2e-4);
        expect(maxRelError(got.db, ref.db)).toBeLessThan(2e-4);
      });
    }
  }

  it('GroupNorm without affine parameters matches the unfused path', async () => {
    const ref = await runGroupNorm(false, [2, 4, 4, 8], 2, true, false);
    const got = await runGroupNorm(true, [2, 4, 4, 8], 2, true, false);
    expect(maxRelError(got.y, ref.y)).toBeLessThan(1e-4);
    expect(maxRelError(got.dx, ref.dx)).toBeLessThan(2e-4);
  });

  it('fused GroupNorm forward + backward leaks no tensors', async () => {
    const m = new GroupNorm(4, 8);
    const x = tf.variable(tf.randomNormal([2, 3, 3, 8], 0, 1, 'float32', 3));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(m.forward(x, { silu: true })),
        [x, m.weight as tf.Variable],
      );
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('fused AdamW matches the unfused update over 3 steps (decayed and not, odd sizes) and leaks nothing', async () => {
    const shapes = [[3, 5, 7], [11], [1], [4, 33]];
    const make = () =>
      new Map(
        shapes.map((s, i) => [
          `p${i}`,
          tf.variable(
            tf.tensor(
              randomArray(
                s.reduce((a, b) => a * b, 1),
                10 + i,
              ),
              s,
            ),
          ),
        ]),
      );
    const run = async (fused: boolean) => {
      setFusedWebGpuKernels(fused);
      const params = make();
      const opt = new AdamW(params, {
        lr: (step) => 1e-2 * (step + 1),
        weightDecay: 0.1,
        decayFilter: (name) => name !== 'p1',
      });
      const before = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const grads = new Map(
          [...params].map(([name, p], i) => [
            name,
            tf.tensor(randomArray(p.size, 100 * step + i), p.shape),
          ]),
        );
        opt.applyGradients(grads);
        tf.dispose([...grads.values()]);
      }
      expect(tf.memory().numTensors).toBe(before);
      const out = await Promise.all(
        [...params.values(), ...opt.stateTensors().values()].map(
          async (t) => (await t.data()) as Float32Array,
        ),
      );
      opt.dispose();
      tf.dispose([...params.values()]);
      setFusedWebGpuKernels(true);
      return out;
    };
    const ref = await run(false);
    const got = await run(true);
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) expect(maxRelError(got[i], ref[i])).toBeLessThan(1e-6);
  });
});
