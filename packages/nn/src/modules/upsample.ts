import * as tf from '../tf/index.js';
import { Conv2d, type Conv2dOptions } from './conv2d.js';
import { Module } from './module.js';

export interface UpsampleOptions {
  factor?: number;
  /** Follow the resize with a 3×3 conv (the usual decoder/UNet upsampling). Default true. */
  conv?: boolean;
  outChannels?: number;
  convOptions?: Conv2dOptions;
}

/** Nearest-neighbour upsampling by an integer factor, then an optional 3×3 conv. */
export class Upsample extends Module {
  readonly conv: Conv2d | null;
  readonly factor: number;

  constructor(
    readonly channels: number,
    options: UpsampleOptions = {},
  ) {
    super();
    this.factor = options.factor ?? 2;
    this.conv =
      options.conv === false
        ? null
        : new Conv2d(channels, options.outChannels ?? channels, {
            kernelSize: 3,
            padding: 'same',
            ...options.convOptions,
          });
  }

  // x: [B, H, W, C] → [B, H·f, W·f, C']
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const up = tf.image.resizeNearestNeighbor(x, [h * this.factor, w * this.factor]);
      return this.conv ? this.conv.forward(up) : up;
    });
  }
}
