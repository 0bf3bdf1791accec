import {
  backend_util,
  Conv2D,
  FusedConv2D,
  _FusedMatMul,
  util,
  type Conv2DAttrs,
  type FusedConv2DAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type _FusedMatMulAttrs,
} from '@tensorflow/tfjs-core';
import { SimdGemm } from './simd-gemm.js';

interface MakeOutput {
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

type Args = Parameters<KernelFunc>[0];

const isLinear = (activation: string | undefined | null) =>
  activation == null || activation === 'linear';

/**
 * wasm Conv2D / FusedConv2D on this package's SIMD module (native/sgemm.c: an implicit GEMM on
 * 4×8 register tiles, 1.5× XNNPACK's speed here). Anything it does not cover (other dtypes, NCHW,
 * fused activations or PReLU, a bias not of size Co, no SIMD) goes to the stock kernel.
 */
export function simdConv2D(stock: KernelConfig): KernelConfig {
  const fused = stock.kernelName === FusedConv2D;
  const stockFunc = stock.kernelFunc;
  const kernelFunc: KernelFunc = (args: Args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as FusedConv2DAttrs & Conv2DAttrs;
    const simd = SimdGemm.for(args.backend);
    const co = filter!.shape[3];
    if (
      simd == null ||
      x!.dtype !== 'float32' ||
      filter!.dtype !== 'float32' ||
      (attrs.dataFormat !== 'NHWC' && attrs.dataFormat != null) ||
      (fused &&
        (!isLinear(attrs.activation) ||
          preluActivationWeights != null ||
          (bias != null && (bias.dtype !== 'float32' || util.sizeFromShape(bias.shape) !== co))))
    )
      return stockFunc(args);
    const info = backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number],
      filter!.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const out = (args.backend as unknown as MakeOutput).makeOutput(info.outShape, 'float32');
    if (util.sizeFromShape(info.outShape) > 0) simd.conv2d(x!, filter!, bias ?? null, out, info);
    return out;
  };
  return {
    kernelName: fused ? FusedConv2D : Conv2D,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc,
  };
}

/**
 * wasm _FusedMatMul (Linear's product + bias) on the SIMD module, transposed operands read in
 * place. Activations, PReLU and broadcasts other than a shared right-hand matrix go to the stock
 * kernel.
 */
export function simdFusedMatMul(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc;
  const kernelFunc: KernelFunc = (args: Args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<
      string,
      TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as _FusedMatMulAttrs;
    const simd = SimdGemm.for(args.backend);
    if (
      simd == null ||
      a!.dtype !== 'float32' ||
      b!.dtype !== 'float32' ||
      !isLinear(attrs.activation) ||
      preluActivationWeights != null ||
      a!.shape.length !== 3 ||
      b!.shape.length !== 3
    )
      return stockFunc(args);
    const [batchA] = a!.shape;
    const batchB = b!.shape[0];
    const m = attrs.transposeA ? a!.shape[2] : a!.shape[1];
    const k = attrs.transposeA ? a!.shape[1] : a!.shape[2];
    const n = attrs.transposeB ? b!.shape[1] : b!.shape[2];
    const kb = attrs.transposeB ? b!.shape[2] : b!.shape[1];
    if (
      k !== kb ||
      k === 0 ||
      (batchB !== batchA && batchB !== 1) ||
      (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== n || bias.dtype !== 'float32'))
    )
      return stockFunc(args);
    const out = (args.backend as unknown as MakeOutput).makeOutput([batchA, m, n], 'float32');
    if (batchA * m * n > 0)
      simd.matMul({
        a: simd.ptr(a!),
        b: simd.ptr(b!),
        c: simd.ptr(out),
        m,
        k,
        n,
        batchA,
        batchB,
        transA: attrs.transposeA,
        transB: attrs.transposeB,
        bias: bias ? simd.ptr(bias) : 0,
      });
    return out;
  };
  return {
    kernelName: _FusedMatMul,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc,
  };
}
