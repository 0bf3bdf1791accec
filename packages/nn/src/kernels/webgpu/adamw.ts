// Fused AdamW step for tfjs-backend-webgpu: one dispatch per variable reads g, p, m, v and
// writes p', m', v' (new buffers, so nothing that shares a buffer with p can change under it).
// The arithmetic is the unfused path's, op for op (src/optim/adamw.ts):
//   m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²;  denom = √v' / √bc2 + ε
//   p' = p·(1 − lr·wd) − (m' / denom)·(lr / bc1)      (decay factor 1 where not decayed)
import * as tf from '../../tf/index.js';
import { ensureKernel, gridFor, runMultiOutput, useFusedWebGpu } from './fused.js';

const KERNEL = 'SgdiffAdamWUpdate';
const WG = 64;

const CODE = `
struct U { b1 : f32, ob1 : f32, b2 : f32, ob2 : f32, sqrtBc2 : f32, eps : f32, decay : f32, stepSize : f32, size : i32, };
@group(0) @binding(0) var<storage, read_write> pOut : array<f32>;
@group(0) @binding(1) var<storage, read_write> mOut : array<f32>;
@group(0) @binding(2) var<storage, read_write> vOut : array<f32>;
@group(0) @binding(3) var<storage, read> g : array<f32>;
@group(0) @binding(4) var<storage, read> p : array<f32>;
@group(0) @binding(5) var<storage, read> m : array<f32>;
@group(0) @binding(6) var<storage, read> v : array<f32>;
@group(0) @binding(7) var<uniform> u : U;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>,
        @builtin(local_invocation_index) li : u32) {
  let i = i32((wid.y * nwg.x + wid.x) * ${WG}u + li);
  if (i >= u.size) { return; }
  let gi = g[i];
  let m1 = u.b1 * m[i] + gi * u.ob1;
  let v1 = u.b2 * v[i] + (gi * gi) * u.ob2;
  let denom = sqrt(v1) / u.sqrtBc2 + u.eps;
  pOut[i] = p[i] * u.decay - (m1 / denom) * u.stepSize;
  mOut[i] = m1;
  vOut[i] = v1;
}`;

export interface AdamWScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  /** 1 − lr·wd, or 1 where the parameter does not decay. */
  decay: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
}

function register(): void {
  ensureKernel(KERNEL, ({ inputs, backend, attrs }) => {
    const { g, p, m, v } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as AdamWScalars;
    const size = tf.util.sizeFromShape(p.shape);
    return runMultiOutput(
      backend,
      {
        key: 'sgdiff_adamw',
        code: CODE,
        outputShapes: [p.shape, p.shape, p.shape],
        workgroups: gridFor(backend, Math.ceil(size / WG)),
      },
      [g, p, m, v],
      [
        {
          type: 'float32',
          data: [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBc2, a.eps, a.decay, a.stepSize],
        },
        { type: 'int32', data: [size] },
      ].flatMap((u) => u.data.map((d) => ({ type: u.type as 'float32' | 'int32', data: [d] }))),
    );
  });
}

/** Whether the fused AdamW kernel applies to these tensors now. */
export function canFuseAdamW(...ts: tf.Tensor[]): boolean {
  return (
    ts[0].size > 0 &&
    ts.every((t) => tf.util.arraysEqual(t.shape, ts[0].shape)) &&
    useFusedWebGpu(...ts)
  );
}

/** One fused AdamW update: returns [p', m', v'] (caller assigns them). */
export function adamwUpdateWebGpu(
  g: tf.Tensor,
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  s: AdamWScalars,
): tf.Tensor[] {
  register();
  return tf
    .engine()
    .runKernel(
      KERNEL,
      { g, p, m, v } as unknown as tf.NamedTensorMap,
      { ...s } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
}
