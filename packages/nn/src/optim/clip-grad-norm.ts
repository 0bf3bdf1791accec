import * as tf from '../tf/index.js';
import { canSumSquaresWasm, sumOfSquaresWasm } from '../kernels/wasm/adamw.js';

/** √(Σ‖g‖²) over all gradients, as a scalar tensor. */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
  const all = [...grads.values()];
  // On wasm: one float64 pass over each gradient on the heap, not a Square and a Sum kernel each.
  if (all.length && canSumSquaresWasm(all)) return tf.scalar(Math.sqrt(sumOfSquaresWasm(all)));
  return tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(squares.length ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
  });
}

/**
 * Scales all gradients by min(1, maxNorm / norm) so their global norm is at most `maxNorm`.
 * Returns new gradient tensors (the caller disposes both sets) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const norm = globalNorm(grads);
  const names = [...grads.keys()];
  // tidy keeps tensors returned in arrays, not in Maps.
  const clipped = tf.tidy(() => {
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return names.map((name) => tf.mul(grads.get(name) as tf.Tensor, scale));
  });
  return { grads: new Map(names.map((name, i) => [name, clipped[i]])), norm };
}
