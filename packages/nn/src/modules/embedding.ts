import * as tf from '../tf/index.js';
import { Module } from './module.js';
import { initSeed } from '../init/initializers.js';

export interface EmbeddingOptions {
  /** Standard deviation of the normal init (PyTorch: 1). */
  std?: number;
  seed?: number;
}

/** A lookup table: int ids → rows of `weight`. */
export class Embedding extends Module {
  readonly weight: tf.Variable; // [N, D]

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    this.weight = this.param(() =>
      tf.randomNormal([numEmbeddings, dim], 0, options.std ?? 1, 'float32', initSeed(options.seed)),
    );
  }

  // ids: [...] int32 → [..., D]
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.gather(this.weight, ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32')),
    );
  }
}
