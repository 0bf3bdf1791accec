import { Conv2d, GroupNorm, Linear, Module, dropout, silu, tf } from '@sgdiff/nn';

export interface ResBlockOptions {
  outChannels?: number;
  /** Width of the timestep embedding added between the convs; omitted for the autoencoder. */
  embDim?: number;
  dropout?: number;
  groups?: number;
}

/** GroupNorm groups that divide `channels`, at most `max` (32 in the paper's models). */
export function normGroups(channels: number, max = 32): number {
  let g = Math.min(max, channels);
  while (channels % g !== 0) g--;
  return g;
}

/**
 * The latent-diffusion residual block: GN → SiLU → conv → (+ time embedding) → GN → SiLU →
 * dropout → conv (zero-initialised, so the block starts as the identity) and a 1×1 skip
 * when the width changes.
 */
export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly embProj: Linear | null;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;
  readonly dropoutRate: number;

  constructor(
    readonly channels: number,
    options: ResBlockOptions = {},
  ) {
    super();
    const out = options.outChannels ?? channels;
    const groups = options.groups ?? 32;
    this.norm1 = new GroupNorm(normGroups(channels, groups), channels);
    this.conv1 = new Conv2d(channels, out, { kernelSize: 3 });
    this.embProj = options.embDim ? new Linear(options.embDim, out) : null;
    this.norm2 = new GroupNorm(normGroups(out, groups), out);
    this.conv2 = new Conv2d(out, out, { kernelSize: 3, init: 'zeros' });
    this.skip = out !== channels ? new Conv2d(channels, out, { kernelSize: 1 }) : null;
    this.dropoutRate = options.dropout ?? 0;
  }

  // x: [B, H, W, C], emb: [B, E] → [B, H, W, out]
  forward(x: tf.Tensor4D, emb?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.conv1.forward(this.norm1.forward(x, { silu: true }) as tf.Tensor4D);
      if (this.embProj) {
        if (!emb) throw new Error('ResBlock: this block needs a timestep embedding');
        const e = this.embProj.forward(silu(emb)); // [B, out]
        h = tf.add(h, tf.reshape(e, [e.shape[0], 1, 1, -1]));
      }
      const a = this.norm2.forward(h, { silu: true });
      h = this.conv2.forward(dropout(a, this.dropoutRate, this.training) as tf.Tensor4D);
      return tf.add(this.skip ? this.skip.forward(x) : x, h);
    });
  }
}

/** Stride-2 3×3 conv (latent-diffusion's learned downsampling). */
export class Downsample extends Module {
  readonly conv: Conv2d;
  constructor(readonly channels: number) {
    super();
    this.conv = new Conv2d(channels, channels, { kernelSize: 3, stride: 2, padding: 1 });
  }
  // x: [B, H, W, C] → [B, H/2, W/2, C]
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(x);
  }
}
