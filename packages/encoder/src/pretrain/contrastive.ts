import { Module, tf } from '@sgdiff/nn';

/** A large negative logit for absent hard negatives: exp underflows to exactly 0 in float32. */
const ABSENT_LOGIT = -1e9;

export interface TemperatureConfig {
  /** Initial softmax temperature (CLIP: 0.07). The logit scale is 1 / temperature. */
  initTemperature: number;
  /** The logit scale is clamped to at most this (CLIP: 100), so the softmax cannot saturate. */
  maxLogitScale: number;
}

export const DEFAULT_TEMPERATURE: TemperatureConfig = { initTemperature: 0.07, maxLogitScale: 100 };

/** CLIP's learnable temperature, stored as log(1/T) and clamped to [1, maxLogitScale]. */
export class LogitScale extends Module {
  readonly logScale: tf.Variable; // []

  constructor(readonly config: TemperatureConfig = DEFAULT_TEMPERATURE) {
    super();
    this.logScale = this.param(() => tf.scalar(Math.log(1 / config.initTemperature)), {
      decay: false,
    });
  }

  forward(): tf.Scalar {
    return tf.tidy(
      () =>
        tf.exp(tf.clipByValue(this.logScale, 0, Math.log(this.config.maxLogitScale))) as tf.Scalar,
    );
  }
}

/** x / ‖x‖ over the last axis; rsqrt(Σx² + ε) keeps the gradient finite at x = 0. */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-12))) as T);
}

/** Cosine similarities scaled by `scale`. a: [N, D], b: [M, D] → [N, M]. */
export function scaledCosine(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  scale: tf.Scalar | number,
): tf.Tensor2D {
  return tf.tidy(
    () => tf.mul(tf.matMul(l2Normalize(a), l2Normalize(b), false, true), scale) as tf.Tensor2D,
  );
}

/** Mean cross-entropy of each row with its target at column `row index`. logits: [N, M ≥ N]. */
export function diagonalCrossEntropy(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [n, m] = logits.shape;
    const targets = tf.oneHot(tf.range(0, n, 1, 'int32'), m);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), targets), 1))) as tf.Scalar;
  });
}

/**
 * Symmetric InfoNCE (CLIP). logits[i, j] scores graph i against image j; the pairs are on the
 * diagonal and other graphs/images of the batch are the negatives. `hardLogits[i, k]` scores
 * image i against the k-th perturbed version of its own graph: extra negatives on the image →
 * graph side only, since a perturbed graph is the positive of no image. `hardMask` is 1 where
 * the perturbation exists (not every graph has, say, a relation to swap). `hardWeight` counts
 * each hard negative as that many copies in the softmax (log w added to its logit): with 1, a
 * swapped graph is one negative among B + K, and its gradient is drowned by the in-batch ones,
 * which object labels alone tell apart.
 */
// logits: [B, B], hardLogits/hardMask: [B, K] → scalar
export function symmetricInfoNCE(
  logits: tf.Tensor2D,
  hardLogits?: tf.Tensor2D,
  hardMask?: tf.Tensor2D,
  hardWeight = 1,
): tf.Scalar {
  return tf.tidy(() => {
    const graphToImage = diagonalCrossEntropy(logits);
    let imageRows = tf.transpose(logits) as tf.Tensor2D; // [B images, B graphs]
    if (hardLogits) {
      const weighted = hardWeight === 1 ? hardLogits : tf.add(hardLogits, Math.log(hardWeight));
      const present = hardMask
        ? tf.add(tf.mul(weighted, hardMask), tf.mul(tf.sub(1, hardMask), ABSENT_LOGIT))
        : weighted;
      imageRows = tf.concat([imageRows, present], 1) as tf.Tensor2D;
    }
    const imageToGraph = diagonalCrossEntropy(imageRows);
    return tf.div(tf.add(graphToImage, imageToGraph), 2) as tf.Scalar;
  });
}

/**
 * Scores of each image against its own graph's perturbations.
 * image: [B, D], hard: [B·K, D] (graph i's K perturbations at rows iK…iK+K−1) → [B, K]
 */
export function hardNegativeLogits(
  image: tf.Tensor2D,
  hard: tf.Tensor2D,
  scale: tf.Scalar | number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, d] = image.shape;
    const k = hard.shape[0] / b;
    const h = tf.reshape(l2Normalize(hard), [b, k, d]);
    const i = tf.reshape(l2Normalize(image), [b, 1, d]);
    return tf.mul(tf.sum(tf.mul(h, i), 2), scale) as tf.Tensor2D;
  });
}
