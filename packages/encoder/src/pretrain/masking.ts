import { tf } from '@sgdiff/nn';
import type { Box, SceneGraph } from '@sgdiff/scene-graph';
import type { Rng } from '../random.js';

export interface MaskingConfig {
  /** Probability that each object box is masked (SGDiff: 0.8). */
  objectProb: number;
  /** Probability that the whole-image box is masked (SGDiff's `__image__` node: 0.1 here). */
  imageProb: number;
}

export const DEFAULT_MASKING: MaskingConfig = { objectProb: 0.8, imageProb: 0.1 };

/** Pixel rows/columns covered by a normalised box: [floor(x0·W), ceil(x1·W)). */
function pixelRange(lo: number, hi: number, size: number): [number, number] {
  const a = Math.max(0, Math.min(size, Math.floor(lo * size)));
  const b = Math.max(a, Math.min(size, Math.ceil(hi * size)));
  return [a, b];
}

/** Sets mask[y, x] = 1 inside `box`. mask: [H, W]. */
export function fillBox(mask: Float32Array, box: Box, height: number, width: number): void {
  const [x0, x1] = pixelRange(box[0], box[2], width);
  const [y0, y1] = pixelRange(box[1], box[3], height);
  for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
}

/**
 * Which pixels to hide, per image: each boxed object with probability `objectProb`, the whole
 * image with probability `imageProb`. Objects without a box cannot be masked. Draws exactly
 * one number per boxed object and one per image from `rng`, in graph order.
 */
// → mask: [B, H, W], 1 = hidden
export function boxMasks(
  graphs: readonly SceneGraph[],
  height: number,
  width: number,
  rng: Rng,
  config: MaskingConfig = DEFAULT_MASKING,
): Float32Array {
  const out = new Float32Array(graphs.length * height * width);
  graphs.forEach((g, i) => {
    const mask = out.subarray(i * height * width, (i + 1) * height * width);
    for (const o of g.objects) {
      if (o.box && rng.next() < config.objectProb) fillBox(mask, o.box, height, width);
    }
    if (rng.next() < config.imageProb) mask.fill(1);
  });
  return out;
}

/**
 * MAE-style pixel targets at 1/`reduce` resolution: the image and the mask are average-pooled,
 * and a cell counts as masked when at least half of its pixels were hidden.
 */
// image: [B, H, W, 3], mask: [B, H, W] → target: [B, H/r, W/r, 3], cellMask: [B, H/r, W/r, 1]
export function reducedTargets(
  image: tf.Tensor4D,
  mask: tf.Tensor3D,
  reduce: number,
): { target: tf.Tensor4D; cellMask: tf.Tensor4D } {
  return tf.tidy(() => {
    const target = tf.avgPool(image, reduce, reduce, 'valid');
    const covered = tf.avgPool(tf.expandDims(mask, 3) as tf.Tensor4D, reduce, reduce, 'valid');
    return { target, cellMask: tf.cast(tf.greaterEqual(covered, 0.5), 'float32') as tf.Tensor4D };
  });
}

/** The masked image the reconstruction encoder sees: hidden pixels zeroed, plus the mask as a 4th channel. */
// image: [B, H, W, 3], mask: [B, H, W] → [B, H, W, 4]
export function maskImage(image: tf.Tensor4D, mask: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.expandDims(mask, 3);
    return tf.concat([tf.mul(image, tf.sub(1, m)), m], 3) as tf.Tensor4D;
  });
}

/** Mean squared error over masked cells only (0 when nothing is masked). */
// pred, target: [B, h, w, C], cellMask: [B, h, w, 1] → scalar
export function maskedMSE(
  pred: tf.Tensor4D,
  target: tf.Tensor4D,
  cellMask: tf.Tensor4D,
): tf.Scalar {
  return tf.tidy(() => {
    const channels = pred.shape[3];
    const sq = tf.sum(tf.mul(tf.square(tf.sub(pred, target)), cellMask));
    return tf.div(sq, tf.maximum(tf.mul(tf.sum(cellMask), channels), 1)) as tf.Scalar;
  });
}
