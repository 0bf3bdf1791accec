import {
  Add,
  backend_util,
  BatchMatMul,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from '../backend-kernels.js';
import { gradientConvGeometry, im2col, type WasmHeap } from './im2col.js';
import { SimdGemm } from './simd-gemm.js';

// wasm has no Conv2DBackpropFilter. dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−pad, ·, ci]·dy[b,oh,ow,co]
// is itself a conv: batch and channel of x swap roles, dy becomes the filter, and the forward
// stride becomes a dilation. That runs on XNNPACK's fast conv path.
export function conv2dBackpropFilterViaConv(backendName: string): KernelConfig {
  const kernelFunc = ({
    inputs,
    attrs,
    backend,
  }: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    attrs: Conv2DBackpropFilterAttrs;
    backend: never;
  }): TensorInfo => {
    const { x, dy } = inputs; // x: [B, H, W, Ci], dy: [B, OH, OW, Co]
    const { h, w, kh, kw, sh, sw, oh, ow, top, left } = gradientConvGeometry(
      Conv2DBackpropFilter,
      x.shape,
      attrs.filterShape,
      attrs,
    );
    // The rows of (padded) x that the forward conv read: [−top, −top + needH).
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const s = new KernelScope(backend, backendName);
    const cropped = s.cropNegative(x, [
      [top, needH - top - h],
      [left, needW - left - w],
    ]);
    const xT = s.transpose(cropped.x, [3, 1, 2, 0]); // [Ci, H', W', B]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
    const dw = s.conv2d(xT, dyT, cropped.pads, [sh, sw]); // [Ci, KH, KW, Co]
    return s.finish(s.transpose(dw, [1, 2, 0, 3])); // [KH, KW, Ci, Co]
  };
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/** At most this many floats of im2col buffer at a time; larger inputs are done in chunks. */
export const IM2COL_CHUNK_ELEMENTS = 1 << 22;

// dW[(kh,kw,ci), co] = im2col(x)ᵀ·dy: im2col in JS over the wasm heap, then one BatchMatMul with
// transposeA per chunk of output pixels (this package's wasm BatchMatMul materialises the
// transpose and runs XNNPACK's GEMM), accumulated over chunks. The dilated-conv formulation above
// is a conv with one input channel per image and a filter as large as the image, which XNNPACK's
// indirect GEMM runs 1.3–2× slower (bench/kernels.ts).
export function conv2dBackpropFilterIm2col(
  backendName: string,
  chunkFloats = IM2COL_CHUNK_ELEMENTS,
  dyOnLeft = false,
): KernelConfig {
  const kernelFunc = ({
    inputs,
    attrs,
    backend,
  }: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    attrs: Conv2DBackpropFilterAttrs;
    backend: never;
  }): TensorInfo => {
    const { x, dy } = inputs; // x: [B, H, W, Ci], dy: [B, OH, OW, Co]
    const g = gradientConvGeometry(Conv2DBackpropFilter, x.shape, attrs.filterShape, attrs);
    const { batch, ci, kh, kw, oh, ow } = g;
    const co = dy.shape[3];
    const kLen = kh * kw * ci;
    const total = batch * oh * ow; // output pixels = rows of im2col
    // Rows per chunk: as many as the bounded im2col buffer holds. Fewer, larger GEMMs are faster
    // (each chunk re-packs its operands and adds one accumulation).
    const rows = Math.max(1, Math.min(total, Math.floor(chunkFloats / kLen)));
    const s = new KernelScope(backend, backendName);
    const heap = backend as unknown as WasmHeap;
    const dy2 = s.reshape(dy, [total, co]);
    let acc: TensorInfo | null = null; // [1, KH·KW·Ci, Co]
    for (let p0 = 0; p0 < total; p0 += rows) {
      const p = Math.min(rows, total - p0);
      const col = s.makeOutput([1, p, kLen], 'float32');
      im2col(heap, x, col, g, p0, p0 + p);
      const dyc = p === total ? dy2 : s.slice(dy2, [p0, 0], [p, co]);
      const dy3 = s.reshape(dyc, [1, p, co]);
      // [1, K, Co] (colᵀ·dy) or [1, Co, K] (dyᵀ·col)
      const part = dyOnLeft
        ? s.run(BatchMatMul, { a: dy3, b: col }, { transposeA: true, transposeB: false })
        : s.run(BatchMatMul, { a: col, b: dy3 }, { transposeA: true, transposeB: false });
      for (const t of [col, dy3]) s.free(t);
      if (dyc !== dy2) s.free(dyc);
      if (acc == null) {
        acc = part;
      } else {
        const sum = s.run(Add, { a: acc, b: part });
        s.free(acc);
        s.free(part);
        acc = sum;
      }
    }
    const dw = dyOnLeft
      ? s.transpose(s.reshape(acc as TensorInfo, [co, kLen]), [1, 0])
      : (acc as TensorInfo);
    return s.finish(s.reshape(dw, [kh, kw, ci, co]));
  };
  return {
    kernelName: Conv2DBackpropFilter,
    backendName,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/**
 * The registered wasm Conv2DBackpropFilter. Where Co % 8 == 0, this package's SIMD module
 * (native/sgemm.c: a direct 4×8-tile reduction, no im2col buffer). Otherwise im2col + GEMM wins 1.3–2.5× for small batches, few
 * input channels and 1×1 filters; with ≥ 16 input channels and batch ≥ 8 or ≥ 16 Ki output
 * pixels the dilated conv (whose input has B channels) catches up and wins by ~10%
 * (bench/kernels.ts, CPU time).
 */
export function conv2dBackpropFilterWasm(backendName: string): KernelConfig {
  const viaConv = conv2dBackpropFilterViaConv(backendName).kernelFunc;
  const viaIm2col = conv2dBackpropFilterIm2col(backendName).kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x, dy } = args.inputs as unknown as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const simd = backendName === 'wasm' ? SimdGemm.for(args.backend) : null;
    if (simd && x.dtype === 'float32' && dy.shape[3] % 8 === 0 && attrs.dataFormat === 'NHWC') {
      const info = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
      );
      if (info.outHeight === dy.shape[1] && info.outWidth === dy.shape[2]) {
        const backend = args.backend as unknown as {
          makeOutput(s: number[], d: string): TensorInfo;
        };
        const dw = backend.makeOutput(attrs.filterShape, 'float32');
        simd.conv2dFilterGrad(x, dy, dw, info);
        return dw;
      }
    }
    const [kh, kw] = attrs.filterShape;
    const [batch, oh, ow] = dy.shape;
    const big = batch >= 8 || batch * oh * ow >= 16384;
    return big && x.shape[3] >= 16 && kh * kw > 1 ? viaConv(args) : viaIm2col(args);
  };
  return { kernelName: Conv2DBackpropFilter, backendName, kernelFunc };
}
