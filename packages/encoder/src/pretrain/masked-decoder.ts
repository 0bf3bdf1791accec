import { LayerNorm, Linear, MLP, Module, MultiHeadAttention, tf } from '@sgdiff/nn';
import { ConvTrunk } from './image-encoder.js';

export interface MaskedDecoderConfig {
  /** Image size (square). */
  size: number;
  /** Targets are at size / reduce; the trunk halves the masked image log2(reduce) times. */
  reduce: number;
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
      const h = tf.add(x, this.attn.forward(this.norm1.forward(x) as tf.Tensor3D, tokens, mask)) as tf.Tensor3D;
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
    const stages = Math.round(Math.log2(config.reduce));
    if (2 ** stages !== config.reduce || config.size % config.reduce !== 0) {
      throw new Error(`MaskedDecoder: reduce ${config.reduce} must be a power of two dividing size ${config.size}`);
    }
    this.grid = config.size / config.reduce;
    const channels = Array.from({ length: stages }, (_, i) => Math.max(16, config.dim >> (stages - 1 - i)));
    this.trunk = new ConvTrunk(4, channels);
    this.inProjection = new Linear(stages ? this.trunk.outChannels : 4, config.dim);
    this.position = this.param(() => tf.randomNormal([this.grid * this.grid, config.dim], 0, 0.02), { decay: false });
    this.blocks = Array.from({ length: config.layers }, () => new CrossAttentionBlock(config.dim, config.heads, config.contextDim));
    this.normOut = new LayerNorm(config.dim);
    this.head = new Linear(config.dim, 3);
  }

  // masked: [B, H, W, 4], tokens: [B, K, Dc], mask: [B, K] → [B, H/r, W/r, 3]
  forward(masked: tf.Tensor4D, tokens: tf.Tensor3D, tokenMask: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const b = masked.shape[0];
      const features = this.trunk.blocks.length ? this.trunk.forward(masked) : masked;
      const flat = tf.reshape(features, [b, this.grid * this.grid, -1]);
      let x = tf.add(this.inProjection.forward(flat), this.position) as tf.Tensor3D; // [B, N, D]
      for (const block of this.blocks) x = block.forward(x, tokens, tokenMask);
      const pixels = this.head.forward(this.normOut.forward(x)); // [B, N, 3]
      return tf.reshape(pixels, [b, this.grid, this.grid, 3]) as tf.Tensor4D;
    });
  }
}
