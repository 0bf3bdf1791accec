import * as tf from '../tf/index.js';
import { fanInUniform, initWeight, type WeightInit } from '../init/initializers.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  init?: WeightInit;
  seed?: number;
}

/** y = x·W + b over the last axis. W: [in, out]. */
export class Linear extends Module {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | null; // [out]

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const init = options.init ?? 'kaiming';
    this.weight = this.param(() => initWeight(init, [inFeatures, outFeatures], options.seed));
    this.bias =
      options.bias === false
        ? null
        : this.param(() =>
            init === 'zeros'
              ? tf.zeros([outFeatures])
              : fanInUniform([outFeatures], inFeatures, { seed: options.seed }),
          );
  }

  // x: [..., in] → [..., out]
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 =
        x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D);
      const b = this.weight as tf.Tensor2D;
      // Bias inside the matmul kernel (tf.fused): one op instead of two.
      const y = this.bias ? tf.fused.matMul({ a: x2, b, bias: this.bias }) : tf.matMul(x2, b);
      return x.rank === 2 ? y : tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
