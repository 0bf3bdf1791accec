import { Embedding, Module, tf } from '@sgdiff/nn';
import type { LayoutPrior, PackedGraphs } from '@sgdiff/scene-graph';

/**
 * Layout conditioning (not in SGDiff): each object's box, painted with a learned embedding of
 * its label, as a feature map the UNet reads beside the noisy latents. Training uses the data's
 * boxes; sampling draws boxes that satisfy the graph's relations (`sampleGraphLayout`) where the
 * graph gives none, so the model is still driven by the graph alone.
 */
export interface LayoutConfig {
  /** Object classes of the vocabulary (the packed graphs' `objs` index them). */
  numLabels: number;
  /** Channels of the map. */
  channels: number;
  /** The boxes the model was trained on, for drawing layouts of graphs without boxes. */
  prior: LayoutPrior;
}

/** Boxes per graph, padded to the batch's largest graph. */
export interface LayoutSlots {
  numGraphs: number;
  /** Slots per graph. */
  slots: number;
  /** labels: [B·N] object class indices. */
  labels: Int32Array;
  /** boxes: [B·N, 4] x0, y0, x1, y1 in [0, 1]. */
  boxes: Float32Array;
  /** mask: [B·N] 1 for an object with a box, 0 for padding or an object without one. */
  mask: Float32Array;
}

/** The boxed objects of packed graphs (the image node included: a constant full-image box). */
export function layoutSlots(packed: PackedGraphs): LayoutSlots {
  const B = packed.numGraphs;
  const counts = new Int32Array(B);
  for (let i = 0; i < packed.numObjects; i++) counts[packed.objToImg[i]]++;
  const N = Math.max(1, ...counts);
  const out: LayoutSlots = {
    numGraphs: B,
    slots: N,
    labels: new Int32Array(B * N),
    boxes: new Float32Array(B * N * 4),
    mask: new Float32Array(B * N),
  };
  const next = new Int32Array(B);
  for (let i = 0; i < packed.numObjects; i++) {
    const g = packed.objToImg[i];
    const k = g * N + next[g]++;
    out.labels[k] = packed.objs[i];
    out.boxes.set(packed.boxes.subarray(i * 4, i * 4 + 4), k * 4);
    out.mask[k] = packed.hasBox[i] ? 1 : 0;
  }
  return out;
}

/**
 * How much of each cell of an h×w grid each box covers, [B, N, h·w]: the product of the
 * overlaps along x and y, so a box smaller than a cell still shows.
 */
// boxes: [B, N, 4] → [B, N, h·w]
export function boxCoverage(boxes: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, N] = boxes.shape;
    const [x0, y0, x1, y1] = tf.split(boxes, 4, 2).map((t) => tf.reshape(t, [B, N, 1]));
    const along = (lo: tf.Tensor, hi: tf.Tensor, cells: number) => {
      const edges = tf.div(tf.range(0, cells + 1, 1, 'float32'), cells);
      const cellLo = tf.reshape(tf.slice(edges, 0, cells), [1, 1, cells]);
      const cellHi = tf.reshape(tf.slice(edges, 1, cells), [1, 1, cells]);
      // Overlap of [lo, hi] with each cell, as a share of the cell.
      return tf.mul(tf.relu(tf.sub(tf.minimum(hi, cellHi), tf.maximum(lo, cellLo))), cells);
    };
    const cx = along(x0, x1, w); // [B, N, w]
    const cy = along(y0, y1, h); // [B, N, h]
    return tf.reshape(tf.mul(tf.expandDims(cy, 3), tf.expandDims(cx, 2)), [
      B,
      N,
      h * w,
    ]) as tf.Tensor3D;
  });
}

/** Paints the boxes of a batch into a [B, h, w, channels] map of label embeddings (summed). */
export class LayoutMap extends Module {
  readonly embedding: Embedding;

  constructor(readonly config: LayoutConfig) {
    super();
    this.embedding = new Embedding(config.numLabels, config.channels);
  }

  // keep: [B] 1 or 0; a dropped graph gets an empty map, as the null condition has.
  forward(slots: LayoutSlots, h: number, w: number, keep?: tf.Tensor1D): tf.Tensor4D {
    const { numGraphs: B, slots: N } = slots;
    if (slots.labels.some((l) => l < 0 || l >= this.config.numLabels)) {
      throw new Error(`LayoutMap: a label index is outside 0..${this.config.numLabels - 1}`);
    }
    return tf.tidy(() => {
      const emb = tf.mul(
        tf.reshape(this.embedding.forward(tf.tensor1d(slots.labels, 'int32')), [B, N, -1]),
        tf.tensor3d(slots.mask, [B, N, 1]),
      ); // [B, N, C]
      const cover = boxCoverage(tf.tensor3d(slots.boxes, [B, N, 4]), h, w); // [B, N, hw]
      let map = tf.matMul(cover, emb, true, false); // [B, hw, C]
      if (keep) map = tf.mul(map, tf.reshape(keep, [B, 1, 1]));
      return tf.reshape(map, [B, h, w, this.config.channels]) as tf.Tensor4D;
    });
  }
}
