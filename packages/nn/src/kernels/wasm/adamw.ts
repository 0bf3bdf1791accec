// Fused AdamW step and gradient sum of squares for the wasm backend: the SIMD module's adamw
// (native/sgemm.c, the same f32 operations) or JS loops over the wasm heap.
// The unfused update is ~10 tfjs ops per parameter (each a full sweep and an allocation), the
// norm two; a UNet with 313 parameter tensors spent ~12% of a B=24 train step in them.
// The arithmetic is the unfused path's, op for op, rounded to float32 after each op (Math.fround)
// as the float32 kernels round:
//   g ← g·scale;  m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²;  denom = √v' / √bc2 + ε
//   p' = p·(1 − lr·wd) − (m' / denom)·(lr / bc1)      (decay factor 1 where not decayed)
import * as tf from '../../tf/index.js';
import type { AdamWScalars } from '../webgpu/adamw.js';
import { fusedWasmKernelsEnabled } from './group-norm.js';
import { SimdGemm } from './simd-gemm.js';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export const ADAMW_WASM = 'SgdiffAdamWWasm';

/** AdamW's scalars plus a factor applied to the gradient first (global-norm clipping). */
export interface AdamWWasmScalars extends AdamWScalars {
  gradScale: number;
}

function adamwKernel({
  inputs,
  attrs,
  backend,
}: {
  inputs: { g: tf.TensorInfo; p: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
  attrs: AdamWWasmScalars;
  backend: WasmHeapBackend;
}): tf.TensorInfo[] {
  const { g, p, m, v } = inputs;
  const pOut = backend.makeOutput([...p.shape], 'float32');
  const mOut = backend.makeOutput([...p.shape], 'float32');
  const vOut = backend.makeOutput([...p.shape], 'float32');
  const simd = SimdGemm.for(backend);
  if (simd) {
    const a = attrs;
    const ptrs = [g, p, m, v, pOut, mOut, vOut].map((t) => simd.ptr(t));
    const floats = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBc2, a.eps, a.decay];
    simd.adamw(ptrs, [...floats, a.stepSize, a.gradScale], tf.util.sizeFromShape(p.shape));
    return [pOut, mOut, vOut];
  }
  // Views after the allocations: a malloc may grow the heap and detach earlier views.
  const gs = backend.typedArrayFromHeap(g);
  const ps = backend.typedArrayFromHeap(p);
  const ms = backend.typedArrayFromHeap(m);
  const vs = backend.typedArrayFromHeap(v);
  const po = backend.typedArrayFromHeap(pOut);
  const mo = backend.typedArrayFromHeap(mOut);
  const vo = backend.typedArrayFromHeap(vOut);
  const f = Math.fround;
  const b1 = f(attrs.beta1);
  const ob1 = f(1 - attrs.beta1);
  const b2 = f(attrs.beta2);
  const ob2 = f(1 - attrs.beta2);
  const sqrtBc2 = f(attrs.sqrtBc2);
  const eps = f(attrs.eps);
  const decay = f(attrs.decay);
  const stepSize = f(attrs.stepSize);
  const scale = f(attrs.gradScale);
  for (let i = 0; i < gs.length; i++) {
    const gi = scale === 1 ? gs[i] : f(gs[i] * scale);
    const m1 = f(f(b1 * ms[i]) + f(gi * ob1));
    const v1 = f(f(b2 * vs[i]) + f(f(gi * gi) * ob2));
    const denom = f(f(f(Math.sqrt(v1)) / sqrtBc2) + eps);
    const decayed = decay === 1 ? ps[i] : f(ps[i] * decay);
    po[i] = decayed - f(f(m1 / denom) * stepSize);
    mo[i] = m1;
    vo[i] = v1;
  }
  return [pOut, mOut, vOut];
}

function register(): void {
  if (!tf.getKernel(ADAMW_WASM, 'wasm'))
    tf.registerKernel({
      kernelName: ADAMW_WASM,
      backendName: 'wasm',
      kernelFunc: adamwKernel as unknown as tf.KernelFunc,
    });
}

/** Whether the fused wasm AdamW applies to these tensors now (wasm active, fused kernels on). */
export function canFuseAdamWWasm(...ts: tf.Tensor[]): boolean {
  return (
    fusedWasmKernelsEnabled() &&
    tf.getBackend() === 'wasm' &&
    ts[0].size > 0 &&
    ts.every((t) => t.dtype === 'float32' && tf.util.arraysEqual(t.shape, ts[0].shape))
  );
}

/** One fused AdamW update on wasm: returns [p', m', v'] (the caller assigns them). */
export function adamwUpdateWasm(
  g: tf.Tensor,
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  s: AdamWWasmScalars,
): tf.Tensor[] {
  register();
  return tf
    .engine()
    .runKernel(
      ADAMW_WASM,
      { g, p, m, v } as unknown as tf.NamedTensorMap,
      { ...s } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
}

/** Whether `sumOfSquaresWasm` applies to these tensors now. */
export function canSumSquaresWasm(ts: tf.Tensor[]): boolean {
  return (
    fusedWasmKernelsEnabled() &&
    tf.getBackend() === 'wasm' &&
    ts.every((t) => t.dtype === 'float32')
  );
}

/**
 * Σ x² over float32 tensors on the active wasm backend, read straight from the heap with a
 * float64 sum: one pass per tensor instead of a Square and a Sum kernel each.
 */
export function sumOfSquaresWasm(ts: Iterable<tf.Tensor>): number {
  const backend = tf.backend() as unknown as WasmHeapBackend;
  let total = 0;
  for (const t of ts) {
    const a = backend.typedArrayFromHeap(t);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
    total += s;
  }
  return total;
}
