// The fused wasm GroupNorm (± SiLU) against the unfused tfjs composition on the same backend.
import * as tf from '../../tf/index.js';
import { GroupNorm } from '../../modules/norm.js';
import { describeOnBackends, maxRelError, randomArray } from '../../testing/backends.js';
import { canFuseGroupNormWasm, setFusedWasmKernels } from './group-norm.js';

interface Case {
  shape: number[];
  groups: number;
  affine: boolean;
  silu: boolean;
}

const CASES: Case[] = [
  { shape: [2, 5, 3, 8], groups: 4, affine: true, silu: false },
  { shape: [2, 5, 3, 8], groups: 4, affine: true, silu: true },
  { shape: [3, 7, 6], groups: 3, affine: false, silu: false },
  { shape: [1, 4, 4, 32], groups: 32, affine: true, silu: true },
  { shape: [2, 9], groups: 1, affine: true, silu: true },
  { shape: [3, 6, 5, 64], groups: 32, affine: true, silu: false }, // the SIMD kernels: 2 per group
];

/** y and the gradients of Σ y·r in x, γ, β, with γ, β set away from 1/0. */
function run(c: Case): tf.Tensor[] {
  const ch = c.shape[c.shape.length - 1];
  const norm = new GroupNorm(c.groups, ch, { affine: c.affine });
  if (norm.weight && norm.bias) {
    const w = tf.tensor1d(randomArray(ch, 5).map((v) => 1 + v));
    const b = tf.tensor1d(randomArray(ch, 6));
    norm.weight.assign(w);
    norm.bias.assign(b);
    tf.dispose([w, b]);
  }
  const size = c.shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    randomArray(size, 7).map((v, i) => 3 * v + (i % 5)),
    c.shape,
  );
  const r = tf.tensor(randomArray(size, 8), c.shape);
  const vars = [norm.weight, norm.bias].filter((v): v is tf.Variable => v !== null);
  const f = (xi: tf.Tensor) => tf.sum(tf.mul(norm.forward(xi, { silu: c.silu }), r));
  const y = norm.forward(x, { silu: c.silu });
  const dx = tf.grad(f)(x);
  const out = [y, dx];
  if (vars.length > 0) {
    const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar, vars);
    value.dispose();
    out.push(...vars.map((v) => grads[v.name]));
  }
  norm.dispose();
  tf.dispose([x, r]);
  return out;
}

function label(c: Case): string {
  return `[${c.shape}] G${c.groups}${c.affine ? ' affine' : ''}${c.silu ? ' +silu' : ''}`;
}

describeOnBackends(['wasm'], () => {
  afterAll(() => setFusedWasmKernels(true));

  it.each(CASES.map((c) => [label(c), c] as const))(
    'fused GroupNorm matches the unfused ops: %s',
    async (_, c) => {
      setFusedWasmKernels(false);
      const ref = run(c);
      const refValues = await Promise.all(ref.map((t) => t.data()));
      tf.dispose(ref);
      setFusedWasmKernels(true);
      const probe = tf.zeros(c.shape);
      expect(canFuseGroupNormWasm(probe, c.groups)).toBe(true);
      probe.dispose();
      const before = tf.memory().numTensors;
      const out = run(c);
      expect(tf.memory().numTensors).toBe(before + out.length); // no leaks
      expect(out.length).toBe(refValues.length);
      for (let i = 0; i < out.length; i++) {
        expect(out[i].shape).toEqual(i === 0 || i === 1 ? c.shape : [c.shape[c.shape.length - 1]]);
        expect(maxRelError(await out[i].data(), refValues[i] as Float32Array)).toBeLessThan(2e-5);
      }
      tf.dispose(out);
    },
  );
});
