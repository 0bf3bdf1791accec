import * as tf from '../tf/index.js';
import { fanInUniform, initWeight, type WeightInit } from '../init/initializers.js';
import { Module } from './module.js';

/** 'same'/'valid' as in TensorFlow, or a symmetric zero padding in pixels (PyTorch-style). */
export type ConvPadding = 'same' | 'valid' | number;

export interface Conv2dOptions {
  kernelSize?: number | [number, number];
  stride?: number;
  padding?: ConvPadding;
  bias?: boolean;
  init?: WeightInit;
  seed?: number;
}

/** 2-D convolution, NHWC. Weight: [kh, kw, in, out]. */
export class Conv2d extends Module {
  readonly weight: tf.Variable; // [kh, kw, in, out]
  readonly bias: tf.Variable | null; // [out]
  readonly stride: number;
  readonly padding: ConvPadding;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2dOptions = {},
  ) {
    super();
    const k = options.kernelSize ?? 3;
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 'same';
    const init = options.init ?? 'kaiming';
    this.weight = this.param(() =>
      initWeight(init, [kh, kw, inChannels, outChannels], options.seed),
    );
    const fanIn = kh * kw * inChannels;
    this.bias =
      options.bias === false
        ? null
        : this.param(() =>
            init === 'zeros'
              ? tf.zeros([outChannels])
              : fanInUniform([outChannels], fanIn, { seed: options.seed }),
          );
  }

  // x: [B, H, W, Cin] → [B, H', W', Cout]
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const pad =
        typeof this.padding === 'number'
          ? ([
              [0, 0],
              [this.padding, this.padding],
              [this.padding, this.padding],
              [0, 0],
            ] as tf.backend_util.ExplicitPadding)
          : this.padding;
      const filter = this.weight as tf.Tensor4D;
      // The bias is added inside the conv kernel: one op, one sweep over the output, not two.
      if (this.bias)
        return tf.fused.conv2d({ x, filter, strides: this.stride, pad, bias: this.bias });
      return tf.conv2d(x, filter, this.stride, pad);
    });
  }
}
