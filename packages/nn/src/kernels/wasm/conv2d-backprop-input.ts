import {
  BatchMatMul,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from '../backend-kernels.js';
import { col2imAdd, gradientConvGeometry, type WasmHeap } from './im2col.js';

// The stock wasm Conv2DBackpropInput is a naive loop (~9× slower than the forward conv). The
// input gradient is a stride-1 conv of the zero-inserted dy with the spatially flipped,
// in/out-swapped filter, which runs on XNNPACK's fast conv path.
export function conv2dBackpropInputViaConv(backendName: string): KernelConfig {
  const kernelFunc = ({
    inputs,
    attrs,
    backend,
  }: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    attrs: Conv2DBackpropInputAttrs;
    backend: never;
  }): TensorInfo => {
    const { dy, filter } = inputs; // dy: [B, OH, OW, Co], filter: [KH, KW, Ci, Co]
    const { inputShape } = attrs;
    const g = gradientConvGeometry(Conv2DBackpropInput, inputShape, filter.shape, attrs);
    const { batch: b, h, w, ci, kh, kw, sh, sw, oh, ow } = g;
    const co = dy.shape[3];
    const s = new KernelScope(backend, backendName);

    let spread = dy;
    if (sh > 1 || sw > 1) {
      // Zero-insert: [B, OH, 1, OW, 1, Co] → pad → [B, OH·sh, OW·sw, Co]; the trailing zeros are
      // cropped below through a negative bottom/right padding.
      const r = s.reshape(dy, [b, oh, 1, ow, 1, co]);
      const p = s.pad(r, [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      spread = s.reshape(p, [b, oh * sh, ow * sw, co]);
    }
    // Full-conv padding so that output row i sums dy rows with i = oh·s + kh − top.
    const top = kh - 1 - g.top;
    const left = kw - 1 - g.left;
    const bottom = h + kh - 1 - top - ((oh - 1) * sh + 1) - (sh - 1);
    const right = w + kw - 1 - left - ((ow - 1) * sw + 1) - (sw - 1);
    const cropped = s.cropNegative(spread, [
      [top, bottom],
      [left, right],
    ]);
    const dx = s.conv2d(cropped.x, flipSwap(s, filter), cropped.pads); // [B, H, W, Ci]
    if (dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== ci) {
      throw new Error(
        `@sgdiff/nn: Conv2DBackpropInput produced ${dx.shape}, expected ${inputShape}`,
      );
    }
    return s.finish(dx);
  };
  return {
    kernelName: Conv2DBackpropInput,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/**
 * [KH, KW, Ci, Co] → flipped in KH and KW, in/out swapped: [KH, KW, Co, Ci]. One JS pass over the
 * wasm heap: the wasm `Reverse` kernel takes ~60 ns an element (8.7 ms for a 3×3×128×128 filter,
 * more than the conv it feeds).
 */
export function flipSwap(s: KernelScope, filter: TensorInfo): TensorInfo {
  const heap = s.backend as unknown as Partial<WasmHeap>;
  if (typeof heap.typedArrayFromHeap !== 'function')
    return s.transpose(s.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const [kh, kw, ci, co] = filter.shape;
  const out = s.makeOutput([kh, kw, co, ci], 'float32');
  // Views after makeOutput: its malloc may have grown (and so replaced) the heap.
  const src = heap.typedArrayFromHeap(filter);
  const dst = heap.typedArrayFromHeap(out);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        const row = from + i * co;
        for (let o = 0, d = to + i; o < co; o++, d += ci) dst[d] = src[row + o];
      }
    }
  }
  return out;
}

/** Floats of im2col-shaped gradient per chunk: small enough to stay in cache for the scatter. */
export const INPUT_GRAD_CHUNK_ELEMENTS = 1 << 18;

// dx = col2im(dy·Wᵀ): one XNNPACK GEMM per chunk of output pixels into an im2col-shaped buffer,
// then a scatter-add back to the pixels each column was read from. For strides > 1 this avoids
// the zero-inserted dy of the flipped-conv formulation (s² times the work).
export function conv2dBackpropInputIm2col(
  backendName: string,
  chunkFloats = INPUT_GRAD_CHUNK_ELEMENTS,
): KernelConfig {
  const kernelFunc = ({
    inputs,
    attrs,
    backend,
  }: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    attrs: Conv2DBackpropInputAttrs;
    backend: never;
  }): TensorInfo => {
    const { dy, filter } = inputs; // dy: [B, OH, OW, Co], filter: [KH, KW, Ci, Co]
    const { inputShape } = attrs;
    const g = gradientConvGeometry(Conv2DBackpropInput, inputShape, filter.shape, attrs);
    const { batch, h, w, ci, kh, kw, oh, ow } = g;
    const co = dy.shape[3];
    const kLen = kh * kw * ci;
    const total = batch * oh * ow;
    const rows = Math.max(1, Math.min(total, Math.floor(chunkFloats / kLen)));
    const s = new KernelScope(backend, backendName);
    const heap = backend as unknown as WasmHeap;
    const wT = s.transpose(s.reshape(filter, [1, kLen, co]), [0, 2, 1]); // [1, Co, KH·KW·Ci]
    const dy2 = s.reshape(dy, [total, co]);
    const dx = s.makeOutput([batch, h, w, ci], 'float32');
    heap.typedArrayFromHeap(dx).fill(0);
    for (let p0 = 0; p0 < total; p0 += rows) {
      const p = Math.min(rows, total - p0);
      const dyc = p === total ? dy2 : s.slice(dy2, [p0, 0], [p, co]);
      const dy3 = s.reshape(dyc, [1, p, co]);
      const dcol = s.run(BatchMatMul, { a: dy3, b: wT }, { transposeA: false, transposeB: false }); // [1, P, KH·KW·Ci]
      col2imAdd(heap, dcol, dx, g, p0, p0 + p);
      s.free(dcol);
      s.free(dy3);
      if (dyc !== dy2) s.free(dyc);
    }
    return s.finish(dx);
  };
  return {
    kernelName: Conv2DBackpropInput,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/**
 * The registered wasm Conv2DBackpropInput: the flipped conv for stride 1 (a plain forward conv
 * on XNNPACK), im2col + GEMM + scatter for larger strides (bench/kernels.ts).
 */
export function conv2dBackpropInputWasm(backendName: string): KernelConfig {
  const viaConv = conv2dBackpropInputViaConv(backendName).kernelFunc;
  const viaIm2col = conv2dBackpropInputIm2col(backendName).kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const [sh, sw] =
      typeof args.attrs?.strides === 'number'
        ? [args.attrs.strides, args.attrs.strides]
        : (args.attrs?.strides as [number, number]);
    return sh === 1 && sw === 1 ? viaConv(args) : viaIm2col(args);
  };
  return { kernelName: Conv2DBackpropInput, backendName, kernelFunc };
}
