import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from '../backend-kernels.js';

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
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    if (dataFormat !== 'NHWC') throw new Error('@sgdiff/nn: Conv2DBackpropFilter supports NHWC only');
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const [, h, w] = x.shape;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { outHeight: oh, outWidth: ow, padInfo } = info;
    // The rows of (padded) x that the forward conv read: [−top, −top + needH).
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const s = new KernelScope(backend, backendName);
    const cropped = s.cropNegative(x, [
      [padInfo.top, needH - padInfo.top - h],
      [padInfo.left, needW - padInfo.left - w],
    ]);
    const xT = s.transpose(cropped.x, [3, 1, 2, 0]); // [Ci, H', W', B]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
    const dw = s.conv2d(xT, dyT, cropped.pads, [sh, sw]); // [Ci, KH, KW, Co]
    return s.finish(s.transpose(dw, [1, 2, 0, 3])); // [KH, KW, Ci, Co]
  };
  return { kernelName: Conv2DBackpropFilter, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
