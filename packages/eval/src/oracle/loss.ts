import { tf } from '@sgdiff/nn';
import type { OracleOutput } from './model.js';
import type { OracleTargets } from './targets.js';

export interface OracleLossWeights {
  /** Weight of the box L1 (in cell units) against the heatmap focal loss. */
  box: number;
}

/**
 * CenterNet's loss: the penalty-reduced focal loss on the heatmaps (α = 2, β = 4) plus an L1 on
 * box distances where a box target exists, each normalised by the number of instances.
 */
export function oracleLoss(
  out: OracleOutput,
  t: OracleTargets,
  weights: OracleLossWeights = { box: 1 },
): { loss: tf.Scalar; heat: tf.Scalar; box: tf.Scalar } {
  return tf.tidy(() => {
    const shape = out.heat.shape;
    const y = tf.tensor4d(t.heat, shape);
    const isPeak = tf.cast(tf.greaterEqual(y, 1), 'float32');
    const logits = out.heat;
    // log σ(z) and log(1 − σ(z)) without overflow.
    const logP = tf.neg(tf.softplus(tf.neg(logits)));
    const log1mP = tf.neg(tf.softplus(logits));
    const p = tf.sigmoid(logits);
    const pos = tf.mul(tf.mul(tf.square(tf.sub(1, p)), logP), isPeak);
    const neg = tf.mul(
      tf.mul(tf.mul(tf.pow(tf.sub(1, y), 4), tf.square(p)), log1mP),
      tf.sub(1, isPeak),
    );
    const n = Math.max(1, t.count);
    const heat = tf.div(tf.neg(tf.add(tf.sum(pos), tf.sum(neg))), n) as tf.Scalar;

    const [B, G, , K] = shape;
    const mask = tf.reshape(tf.tensor4d(t.boxMask, shape), [B, G, G, K, 1]);
    const diff = tf.abs(
      tf.sub(tf.reshape(out.boxes, [B, G, G, K, 4]), tf.tensor(t.boxes, [B, G, G, K, 4])),
    );
    const cells = Math.max(
      1,
      t.boxMask.reduce((a, v) => a + v, 0),
    );
    const box = tf.div(tf.sum(tf.mul(diff, mask)), cells * 4) as tf.Scalar;
    return { loss: tf.add(heat, tf.mul(box, weights.box)) as tf.Scalar, heat, box };
  });
}
