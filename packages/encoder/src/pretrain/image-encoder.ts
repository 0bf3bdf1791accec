import { Conv2d, gelu, GroupNorm, Linear, Module, silu, tf } from '@sgdiff/nn';

/** GroupNorm wants channels divisible by the group count; 8 groups where possible. */
function groupsFor(channels: number): number {
  return channels % 8 === 0 ? 8 : channels % 4 === 0 ? 4 : 1;
}

/** conv3×3 stride 2 → GroupNorm → SiLU: halves the resolution. */
export class DownBlock extends Module {
  readonly conv: Conv2d;
  readonly norm: GroupNorm;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, { kernelSize: 3, stride: 2, padding: 1 });
    this.norm = new GroupNorm(groupsFor(outChannels), outChannels);
  }

  // x: [B, H, W, Cin] → [B, H/2, W/2, Cout]
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => silu(this.norm.forward(this.conv.forward(x))) as tf.Tensor4D);
  }
}

/** A small conv trunk: one DownBlock per entry of `channels`. */
export class ConvTrunk extends Module {
  readonly blocks: DownBlock[];

  constructor(
    inChannels: number,
    readonly channels: readonly number[],
  ) {
    super();
    this.blocks = channels.map((c, i) => new DownBlock(i === 0 ? inChannels : channels[i - 1], c));
  }

  get outChannels(): number {
    return this.channels[this.channels.length - 1];
  }

  // x: [B, H, W, Cin] → [B, H/2^n, W/2^n, C_last]
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((h, b) => b.forward(h), x));
  }
}

/**
 * The tower's head over the flattened feature grid.
 * - `linear`: one Linear (checkpoints saved before the option). Its score against a graph vector
 *   is a sum over grid cells of "is the expected thing in this cell", so it cannot compare two
 *   cells: "A left of B" is only scored as "A on the left, B on the right".
 * - `mlp`: Linear → GELU → Linear (hidden 4 × outDim), which can combine cells.
 */
export type ImageHead = 'linear' | 'mlp';

export interface ImageEncoderConfig {
  /** Input images are size × size RGB. */
  size: number;
  /** Channels of each stride-2 stage. */
  channels: number[];
  /** Width of the global image vector (the graph's global token width). */
  outDim: number;
  /** Absent: `linear`. */
  head?: ImageHead;
}

/**
 * The contrastive image tower: conv trunk → flatten → Linear. Flattening (not average pooling)
 * keeps where things are, which the relation-swap negatives need.
 */
export class ImageEncoder extends Module {
  readonly trunk: ConvTrunk;
  /** The first (`mlp`) or only (`linear`) layer of the head. */
  readonly head: Linear;
  /** The `mlp` head's second layer (null for `linear`). */
  readonly headOut: Linear | null;
  readonly grid: number;

  constructor(readonly config: ImageEncoderConfig) {
    super();
    this.trunk = new ConvTrunk(3, config.channels);
    this.grid = config.size >> config.channels.length;
    if (this.grid < 1 || this.grid << config.channels.length !== config.size) {
      throw new Error(
        `ImageEncoder: size ${config.size} does not halve ${config.channels.length} times`,
      );
    }
    const flat = this.grid * this.grid * this.trunk.outChannels;
    const mlp = config.head === 'mlp';
    this.head = new Linear(flat, mlp ? 4 * config.outDim : config.outDim);
    this.headOut = mlp ? new Linear(4 * config.outDim, config.outDim) : null;
  }

  // features: [B, F] the flattened grid → [B, outDim]
  project(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = this.head.forward(features) as tf.Tensor2D;
      return this.headOut ? (this.headOut.forward(gelu(h)) as tf.Tensor2D) : h;
    });
  }

  // images: [B, H, W, 3] in [-1, 1] → [B, outDim]
  forward(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const f = this.trunk.forward(images);
      return this.project(tf.reshape(f, [f.shape[0], -1]) as tf.Tensor2D);
    });
  }
}
