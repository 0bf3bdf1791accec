import { Conv2d, GroupNorm, Module, tf } from '@sgdiff/nn';
import { gridSize, type OracleConfig } from './config.js';

/** What one forward pass gives. */
export interface OracleOutput {
  /** Presence logits per cell and class: [B, G, G, K]. */
  heat: tf.Tensor4D;
  /** Box per cell and class, as distances (left, top, right, bottom) from the cell centre in cell units: [B, G, G, K*4]. */
  boxes: tf.Tensor4D;
  /** Global-average-pooled last-stage activations, the FID/KID features: [B, F]. */
  features: tf.Tensor2D;
}

/**
 * The synthetic oracle: a small strided CNN with a CenterNet-style head on a G×G grid. Each class
 * has its own heatmap channel (a peak at the cell holding an instance's box centre) and its own
 * four box channels, so a thing and the different-coloured thing inside it, which share a centre,
 * do not compete for one regression. The input gets two coordinate channels so that regressions
 * near the border (stuff bands) can see where the image ends.
 */
export class SyntheticOracle extends Module {
  readonly convs: Conv2d[] = [];
  readonly norms: GroupNorm[] = [];
  readonly head: Conv2d;
  readonly fuse?: Conv2d;
  readonly fuseNorm?: GroupNorm;
  readonly grid: number;
  /** How much the last stage is upsampled to meet the skip stage (1 without a skip). */
  private readonly upsample: number;

  constructor(readonly config: OracleConfig) {
    super();
    this.grid = gridSize(config);
    let inC = 5; // RGB + (x, y)
    config.stages.forEach(([outC, stride], i) => {
      this.convs.push(
        new Conv2d(inC, outC, { kernelSize: 3, stride, padding: 'same', seed: 101 + i }),
      );
      if (config.groups > 0) this.norms.push(new GroupNorm(Math.min(config.groups, outC), outC));
      inC = outC;
    });
    this.upsample = 1;
    if (config.skip) {
      const { stage, channels } = config.skip;
      this.upsample = config.stages.slice(stage + 1).reduce((s, [, st]) => s * st, 1);
      this.fuse = new Conv2d(inC + config.stages[stage][0], channels, { kernelSize: 1, seed: 98 });
      if (config.groups > 0)
        this.fuseNorm = new GroupNorm(Math.min(config.groups, channels), channels);
      inC = channels;
    }
    const K = config.classes.length;
    this.head = new Conv2d(inC, K * 5, { kernelSize: 1, seed: 99 });
    // Start with every class absent (p ≈ 0.01), as CenterNet does, so the focal loss starts calm.
    const bias = new Float32Array(K * 5);
    bias.fill(-4.6, 0, K);
    (this.head.bias as tf.Variable).assign(tf.tensor1d(bias));
  }

  // x: [B, S, S, 3] in [0, 1] at the configured size → heads and features
  forward(x: tf.Tensor4D): OracleOutput {
    return tf.tidy(() => {
      const [b, s] = x.shape;
      const ramp = tf.linspace(-1, 1, s);
      const xs = tf.tile(tf.reshape(ramp, [1, 1, s, 1]), [b, s, 1, 1]);
      const ys = tf.tile(tf.reshape(ramp, [1, s, 1, 1]), [b, 1, s, 1]);
      let h = tf.concat([tf.sub(tf.mul(x, 2), 1), xs, ys], 3) as tf.Tensor4D;
      let skip: tf.Tensor4D | undefined;
      this.convs.forEach((conv, i) => {
        h = conv.forward(h);
        if (this.norms.length) h = this.norms[i].forward(h) as tf.Tensor4D;
        h = tf.relu(h);
        if (i === this.config.skip?.stage) skip = h;
      });
      const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
      if (this.fuse && skip) {
        h = tf.concat([skip, upsampleNearest(h, this.upsample)], 3) as tf.Tensor4D;
        h = this.fuse.forward(h);
        if (this.fuseNorm) h = this.fuseNorm.forward(h) as tf.Tensor4D;
        h = tf.relu(h);
      }
      const out = this.head.forward(h);
      const K = this.config.classes.length;
      const heat = tf.slice(out, [0, 0, 0, 0], [-1, -1, -1, K]) as tf.Tensor4D;
      const boxes = tf.slice(out, [0, 0, 0, K], [-1, -1, -1, 4 * K]) as tf.Tensor4D;
      return { heat, boxes, features };
    });
  }
}

/**
 * Nearest-neighbour upsampling by an integer factor, from reshape and tile: differentiable on every
 * backend (tile's gradient stops at rank 4, so columns and rows are repeated in two steps).
 */
export function upsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (factor === 1) return x;
  const [b, h, w, c] = x.shape;
  const wide = tf.reshape(tf.tile(tf.reshape(x, [b * h, w, 1, c]), [1, 1, factor, 1]), [
    b * h,
    1,
    w * factor,
    c,
  ]);
  return tf.reshape(tf.tile(wide, [1, factor, 1, 1]), [b, h * factor, w * factor, c]);
}

/**
 * Byte images → the oracle's input: [N, S, S, 3] float in [0, 1], resized bilinearly (half-pixel
 * centres) when their side is not the configured one.
 */
// images: Uint8Array [N, H, W, 3] (or RGBA with channels = 4, alpha dropped)
export function oracleInput(
  images: Uint8Array | Uint8ClampedArray,
  n: number,
  side: number,
  config: OracleConfig,
  channels = 3,
): tf.Tensor4D {
  return tf.tidy(() => {
    let x = tf.div(
      tf.cast(tf.tensor4d(bytesView(images), [n, side, side, channels], 'int32'), 'float32'),
      255,
    ) as tf.Tensor4D;
    if (channels !== 3) x = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 3]);
    if (side !== config.imageSize)
      x = tf.image.resizeBilinear(x, [config.imageSize, config.imageSize], false, true);
    return x;
  });
}

/** A Uint8Array over the same memory (tfjs takes Uint8Array, not Uint8ClampedArray). */
export function bytesView(a: Uint8Array | Uint8ClampedArray): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
