import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

export interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** The geometry of a 2-D NHWC convolution (dilation 1), as im2col needs it. */
export interface ConvGeometry {
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  top: number;
  left: number;
}

type Shape4 = [number, number, number, number];

/**
 * The geometry of the forward conv whose gradient a kernel computes, from its NHWC input shape,
 * filter shape and attributes (dilation 1: the only one these kernels replace).
 */
export function gradientConvGeometry(
  kernelName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: Pick<Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>,
): ConvGeometry & { batch: number } {
  if (attrs.dataFormat !== 'NHWC') throw new Error(`@sgdiff/nn: ${kernelName} supports NHWC only`);
  const info = backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filterShape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [batch, h, w, ci] = inputShape;
  return {
    batch,
    h,
    w,
    ci,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    oh: info.outHeight,
    ow: info.outWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * Fills `col` ([p1 − p0, KH·KW·Ci]) with rows [p0, p1) of im2col(x): row p = output pixel
 * (b, oy, ox) in row-major order over the whole batch, column = (kh, kw, ci); taps in the
 * padding are 0. Where a whole filter row lies inside the image, its KW·Ci values are
 * contiguous in both x and col and move as one copy.
 */
export function im2col(
  heap: WasmHeap,
  x: TensorInfo,
  col: TensorInfo,
  g: ConvGeometry,
  p0: number,
  p1: number,
): void {
  const xs = heap.typedArrayFromHeap(x);
  const cs = heap.typedArrayFromHeap(col);
  const { h, w, ci, kh, kw, sh, sw, oh, ow, top, left } = g;
  const rowLen = kw * ci;
  const kLen = kh * rowLen;
  let dst = 0;
  for (let p = p0; p < p1; p++) {
    const ox = p % ow;
    const oy = Math.floor(p / ow) % oh;
    const xb = Math.floor(p / (ow * oh)) * h * w * ci;
    const ix0 = ox * sw - left;
    const inside = ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - top + ky;
      const d = dst + ky * rowLen;
      if (iy < 0 || iy >= h) {
        cs.fill(0, d, d + rowLen);
        continue;
      }
      const src = xb + (iy * w + ix0) * ci;
      if (inside) {
        if (rowLen < 32) for (let j = 0; j < rowLen; j++) cs[d + j] = xs[src + j];
        else cs.set(xs.subarray(src, src + rowLen), d);
        continue;
      }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx;
        const dk = d + kx * ci;
        if (ix < 0 || ix >= w) cs.fill(0, dk, dk + ci);
        else for (let c = 0; c < ci; c++) cs[dk + c] = xs[src + kx * ci + c];
      }
    }
    dst += kLen;
  }
}

/** The inverse scatter: adds each column block of `col` (rows [p0, p1)) back into the pixel of `dx` it was read from. */
export function col2imAdd(
  heap: WasmHeap,
  col: TensorInfo,
  dx: TensorInfo,
  g: ConvGeometry,
  p0: number,
  p1: number,
): void {
  const cs = heap.typedArrayFromHeap(col);
  const xs = heap.typedArrayFromHeap(dx);
  const { h, w, ci, kh, kw, sh, sw, oh, ow, top, left } = g;
  const rowLen = kw * ci;
  const kLen = kh * rowLen;
  let src = 0;
  for (let p = p0; p < p1; p++) {
    const ox = p % ow;
    const oy = Math.floor(p / ow) % oh;
    const xb = Math.floor(p / (ow * oh)) * h * w * ci;
    const ix0 = ox * sw - left;
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - top + ky;
      if (iy < 0 || iy >= h) continue;
      const s0 = src + ky * rowLen;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx;
        if (ix < 0 || ix >= w) continue;
        const d = xb + (iy * w + ix) * ci;
        const s = s0 + kx * ci;
        for (let c = 0; c < ci; c++) xs[d + c] += cs[s + c];
      }
    }
    src += kLen;
  }
}
