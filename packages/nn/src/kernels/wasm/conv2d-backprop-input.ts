import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope } from '../backend-kernels.js';

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
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    if (dataFormat !== 'NHWC') throw new Error('@sgdiff/nn: Conv2DBackpropInput supports NHWC only');
    const info = backend_util.computeConv2DInfo(
      inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const [b, , , ci] = inputShape;
    const [, h, w] = inputShape;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { outHeight: oh, outWidth: ow, padInfo } = info;
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
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    const bottom = h + kh - 1 - top - ((oh - 1) * sh + 1) - (sh - 1);
    const right = w + kw - 1 - left - ((ow - 1) * sw + 1) - (sw - 1);
    const cropped = s.cropNegative(spread, [
      [top, bottom],
      [left, right],
    ]);
    const flipped = s.reverse(filter, [0, 1]);
    const swapped = s.transpose(flipped, [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    const dx = s.conv2d(cropped.x, swapped, cropped.pads); // [B, H, W, Ci]
    if (dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== ci) {
      throw new Error(`@sgdiff/nn: Conv2DBackpropInput produced ${dx.shape}, expected ${inputShape}`);
    }
    return s.finish(dx);
  };
  return { kernelName: Conv2DBackpropInput, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
