import { initSeed, LayerNorm, Linear, MLP, Module, MultiHeadAttention, tf } from '@sgdiff/nn';
import { ConvTrunk } from './image-encoder.js';

export interface MaskedDecoderConfig {
  /** Image size (square). */
  size: number;
  /** Targets are at size / reduce. */
  reduce: number;
  /**
   * Each query predicts a patch × patch block of target pixels (MAE), so the decoder runs on a
   * (size / reduce / patch)² grid; the trunk halves the masked image log2(reduce · patch) times.
   */
  patch: number;
  /** Width of the decoder's queries. */
  dim: number;
  heads: number;
  layers: number;
  /** Width of the local tokens it attends to (the encoder's tokenDim). */
  contextDim: number;
}

/** Pre-norm cross-attention to the graph's local tokens, then an MLP; both residual. */
export class CrossAttentionBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly mlp: MLP;

  constructor(dim: number, heads: number, contextDim: number) {
    super();
    this.norm1 = new LayerNorm(dim);
    this.attn = new MultiHeadAttention(dim, { heads, contextDim });
    this.norm2 = new LayerNorm(dim);
    this.mlp = new MLP(dim, { hidden: 2 * dim });
  }

  // x: [B, N, D], tokens: [B, K, Dc], mask: [B, K] → [B, N, D]
  forward(x: tf.Tensor3D, tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const h = tf.add(
        x,
        this.attn.forward(this.norm1.forward(x) as tf.Tensor3D, tokens, mask),
      ) as tf.Tensor3D;
      return tf.add(h, this.mlp.forward(this.norm2.forward(h))) as tf.Tensor3D;
    });
  }
}

/**
 * Reconstructs the masked image at reduced resolution: a conv trunk reads the masked image
 * (mask as a 4th channel), each cell of its grid becomes a query with a learned position, and
 * the queries cross-attend to the local graph tokens, so only the graph can say what was hidden.
 */
export class MaskedDecoder extends Module {
  readonly trunk: ConvTrunk;
  readonly inProjection: Linear;
  readonly position: tf.Variable; // [N, D]
  readonly blocks: CrossAttentionBlock[];
  readonly normOut: LayerNorm;
  readonly head: Linear;
  readonly grid: number;

  constructor(readonly config: MaskedDecoderConfig) {
    super();
    const stride = config.reduce * config.patch;
    const stages = Math.round(Math.log2(stride));
    if (2 ** stages !== stride || config.size % stride !== 0) {
      throw new Error(
        `MaskedDecoder: reduce·patch = ${stride} must be a power of two dividing size ${config.size}`,
      );
    }
    this.grid = config.size / stride;
    const channels = Array.from({ length: stages }, (_, i) =>
      Math.max(16, config.dim >> (stages - 1 - i)),
    );
    this.trunk = new ConvTrunk(4, channels);
    this.inProjection = new Linear(stages ? this.trunk.outChannels : 4, config.dim);
    this.position = this.param(
      () => tf.randomNormal([this.grid * this.grid, config.dim], 0, 0.02, 'float32', initSeed()),
      { decay: false },
    );
    this.blocks = Array.from(
      { length: config.layers },
      () => new CrossAttentionBlock(config.dim, config.heads, config.contextDim),
    );
    this.normOut = new LayerNorm(config.dim);
    this.head = new Linear(config.dim, config.patch * config.patch * 3);
  }

  // masked: [B, H, W, 4], tokens: [B, K, Dc], mask: [B, K] → [B, H/r, W/r, 3]
  forward(masked: tf.Tensor4D, tokens: tf.Tensor3D, tokenMask: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const b = masked.shape[0];
      const features = this.trunk.blocks.length ? this.trunk.forward(masked) : masked;
      const flat = tf.reshape(features, [b, this.grid * this.grid, -1]);
      let x = tf.add(this.inProjection.forward(flat), this.position) as tf.Tensor3D; // [B, N, D]
      for (const block of this.blocks) x = block.forward(x, tokens, tokenMask);
      const patches = this.head.forward(this.normOut.forward(x)); // [B, N, p·p·3]
      return patchesToImage(
        tf.reshape(patches, [b, this.grid, this.grid, -1]) as tf.Tensor4D,
        this.config.patch,
      );
    });
  }
}

/**
 * Lays out per-cell patches as pixels: out[b, gy·p + py, gx·p + px, c] = x[b, gy, gx, (py·p + px)·3 + c].
 * Rank-4 transposes only (every backend has them, with gradients).
 */
// x: [B, g, g, p·p·3] → [B, g·p, g·p, 3]
export function patchesToImage(x: tf.Tensor4D, patch: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, g] = x.shape;
    if (patch === 1) return x;
    const rows = tf.reshape(x, [b * g, g, patch, patch * 3]); // (b·gy, gx, py, px·c)
    const t = tf.transpose(rows, [0, 2, 1, 3]); // (b·gy, py, gx, px·c)
    return tf.reshape(t, [b, g * patch, g * patch, 3]) as tf.Tensor4D;
  });
}
