import { GroupNorm, LayerNorm, Linear, MLP, Module, MultiHeadAttention, tf } from '@sgdiff/nn';
import { normGroups } from './res-block.js';

export interface SpatialTransformerOptions {
  /** Channels per attention head (32 in SGDiff). */
  headChannels?: number;
  contextDim: number;
  dropout?: number;
  groups?: number;
}

/**
 * latent-diffusion's SpatialTransformer with one block: the feature map becomes H·W tokens,
 * which self-attend, cross-attend to the graph tokens (with a padding mask), and pass an MLP,
 * each pre-norm and residual. The output projection is zero-initialised, so the block starts
 * as the identity.
 */
export class SpatialTransformer extends Module {
  readonly norm: GroupNorm;
  readonly projIn: Linear;
  readonly norm1: LayerNorm;
  readonly selfAttn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly crossAttn: MultiHeadAttention;
  readonly norm3: LayerNorm;
  readonly mlp: MLP;
  readonly projOut: Linear;

  constructor(
    readonly channels: number,
    options: SpatialTransformerOptions,
  ) {
    super();
    const heads = Math.max(1, Math.floor(channels / (options.headChannels ?? 32)));
    this.norm = new GroupNorm(normGroups(channels, options.groups ?? 32), channels, { eps: 1e-6 });
    this.projIn = new Linear(channels, channels);
    this.norm1 = new LayerNorm(channels);
    this.selfAttn = new MultiHeadAttention(channels, {
      heads,
      dropout: options.dropout,
      bias: false,
    });
    this.norm2 = new LayerNorm(channels);
    this.crossAttn = new MultiHeadAttention(channels, {
      heads,
      contextDim: options.contextDim,
      dropout: options.dropout,
      bias: false,
    });
    this.norm3 = new LayerNorm(channels);
    this.mlp = new MLP(channels, {
      hidden: 4 * channels,
      activation: 'gelu',
      dropout: options.dropout,
    });
    this.projOut = new Linear(channels, channels, { init: 'zeros' });
  }

  // x: [B, H, W, C], context: [B, L, Dc], contextMask: [B, L] (1 real, 0 padding) → [B, H, W, C]
  forward(x: tf.Tensor4D, context: tf.Tensor3D, contextMask?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      let t = this.projIn.forward(tf.reshape(this.norm.forward(x), [b, h * w, c])) as tf.Tensor3D;
      t = tf.add(t, this.selfAttn.forward(this.norm1.forward(t) as tf.Tensor3D));
      t = tf.add(
        t,
        this.crossAttn.forward(this.norm2.forward(t) as tf.Tensor3D, context, contextMask),
      );
      t = tf.add(t, this.mlp.forward(this.norm3.forward(t)));
      return tf.add(x, tf.reshape(this.projOut.forward(t), [b, h, w, c]));
    });
  }
}
