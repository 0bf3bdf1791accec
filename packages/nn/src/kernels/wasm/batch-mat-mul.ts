import {
  BatchMatMul,
  util,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from '../backend-kernels.js';
import { SimdGemm } from './simd-gemm.js';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

/**
 * Below this many multiply-adds per batch entry, a batched product goes to the stock kernel in
 * one call: the per-slice copies and XNNPACK operator set-up would cost more than they save.
 */
export const PER_SLICE_MIN_MACS = 64 * 1024;

// tfjs-backend-wasm 4.22 sends a BatchMatMul to XNNPACK's fast GEMM only when neither transpose
// flag is set and both operands are a single matrix. Everything else (every Linear backward:
// dW = xᵀ·dy, dx = dy·Wᵀ; batched attention products) runs a generic loop that is 2–7× slower.
// This kernel materialises transposes with the wasm Transpose kernel, folds a shared right-hand
// matrix into the rows of the left one, and runs large batched products one fast GEMM per batch
// entry, so (nearly) every product reaches the fast path.
export function wasmBatchMatMul(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as (args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    attrs: BatchMatMulAttrs;
    backend: unknown;
  }) => TensorInfo;
  const plain: BatchMatMulAttrs = { transposeA: false, transposeB: false };

  const kernelFunc = ({
    inputs,
    attrs,
    backend,
  }: {
    inputs: { a: TensorInfo; b: TensorInfo };
    attrs: BatchMatMulAttrs;
    backend: WasmHeapBackend;
  }): TensorInfo => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32')
      return stockFunc({ inputs, attrs, backend });
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    // Only the broadcasts the stock kernel handles in its own fast-path-free way are left to it.
    if (batchA !== batchB && batchA !== 1 && batchB !== 1)
      return stockFunc({ inputs, attrs, backend });
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) return stockFunc({ inputs, attrs, backend }); // the stock kernel reports the error
    const outBatchDims = (batchA >= batchB ? a : b).shape.slice(0, -2);
    const outShape = [...outBatchDims, m, n];
    const batch = Math.max(batchA, batchB);

    const simd = k > 0 ? SimdGemm.for(backend) : null;
    if (simd) {
      // This package's SIMD GEMM reads transposed operands and batch entries in place.
      const out = backend.makeOutput(outShape, 'float32');
      if (batch * m * n > 0)
        simd.matMul({
          a: simd.ptr(a),
          b: simd.ptr(b),
          c: simd.ptr(out),
          m,
          k,
          n,
          batchA,
          batchB,
          transA: transposeA,
          transB: transposeB,
        });
      return out;
    }

    const s = new KernelScope(backend as never, 'wasm');
    // [batch, M, K] and [batch, K, N], transposes materialised.
    let a3 = s.reshape(a, transposeA ? [batchA, k, m] : [batchA, m, k]);
    if (transposeA) a3 = s.transpose(a3, [0, 2, 1]);
    let b3 = s.reshape(b, transposeB ? [batchB, n, k] : [batchB, k, n]);
    if (transposeB) b3 = s.transpose(b3, [0, 2, 1]);

    if (batchB === 1) {
      // One right-hand matrix: all left-hand rows in one GEMM.
      const a2 = s.reshape(a3, [1, batchA * m, k]);
      const out = stockFunc({ inputs: { a: a2, b: b3 }, attrs: plain, backend });
      const shaped = s.reshape(out, outShape);
      backend.disposeData(out.dataId);
      return s.finish(shaped);
    }
    if (m * n * k < PER_SLICE_MIN_MACS || batch === 1) {
      const out = stockFunc({ inputs: { a: a3, b: b3 }, attrs: plain, backend });
      const shaped = s.reshape(out, outShape);
      backend.disposeData(out.dataId);
      return s.finish(shaped);
    }
    // One fast GEMM per batch entry, on contiguous copies of the slices.
    const out = backend.makeOutput(outShape, 'float32');
    const ai = batchA === 1 ? a3 : backend.makeOutput([1, m, k], 'float32');
    for (let i = 0; i < batch; i++) {
      if (batchA !== 1)
        backend
          .typedArrayFromHeap(ai)
          .set(backend.typedArrayFromHeap(a3).subarray(i * m * k, (i + 1) * m * k));
      const bi = backend.makeOutput([1, k, n], 'float32');
      backend
        .typedArrayFromHeap(bi)
        .set(backend.typedArrayFromHeap(b3).subarray(i * k * n, (i + 1) * k * n));
      const oi = stockFunc({ inputs: { a: ai, b: bi }, attrs: plain, backend });
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(oi), i * m * n);
      backend.disposeData(oi.dataId);
      backend.disposeData(bi.dataId);
    }
    if (ai !== a3) backend.disposeData(ai.dataId);
    return s.finish(out);
  };
  return {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
