import * as tf from '../tf/index.js';

/** Inverted dropout, active only in training and for rate > 0. */
export function dropout(x: tf.Tensor, rate: number, training: boolean, seed?: number): tf.Tensor {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, seed);
}
