import type * as tf from '../tf/index.js';
import { deriveSeed, type WeightInit } from '../init/initializers.js';
import { activate, type Activation } from './activations.js';
import { dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MLPOptions {
  hidden?: number;
  out?: number;
  activation?: Activation;
  dropout?: number;
  /** Init of the last layer; 'zeros' makes a residual branch start as the identity. */
  outInit?: WeightInit;
  /** Makes the init reproducible: each Linear gets its own seed derived from this one. */
  seed?: number;
}

/** Linear → activation → dropout → Linear. */
export class MLP extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly activation: Activation;
  readonly dropoutRate: number;

  constructor(
    readonly dim: number,
    options: MLPOptions = {},
  ) {
    super();
    const hidden = options.hidden ?? 4 * dim;
    this.fc1 = new Linear(dim, hidden, { seed: deriveSeed(options.seed, 0) });
    this.fc2 = new Linear(hidden, options.out ?? dim, {
      init: options.outInit,
      seed: deriveSeed(options.seed, 1),
    });
    this.activation = options.activation ?? 'gelu';
    this.dropoutRate = options.dropout ?? 0;
  }

  // x: [..., dim] → [..., out]
  forward(x: tf.Tensor): tf.Tensor {
    const h = activate(this.fc1.forward(x), this.activation);
    const d = dropout(h, this.dropoutRate, this.training);
    const y = this.fc2.forward(d);
    if (d !== h) d.dispose();
    h.dispose();
    return y;
  }
}
