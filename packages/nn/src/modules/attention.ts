import * as tf from '../tf/index.js';
import { deriveSeed, type WeightInit } from '../init/initializers.js';
import { dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface AttentionOptions {
  heads?: number;
  /** Width of the context for cross-attention (defaults to `dim`: self-attention). */
  contextDim?: number;
  /** Dropout on the attention weights, in training only. */
  dropout?: number;
  bias?: boolean;
  /** Init of the output projection; 'zeros' for a residual branch that starts as the identity. */
  outInit?: WeightInit;
  /** Makes the init reproducible: q, k, v and out each get their own seed derived from this one. */
  seed?: number;
}

/** A large negative logit for padded keys: exp underflows to exactly 0 in float32. */
const MASKED_LOGIT = -1e9;

/**
 * Multi-head scaled dot-product attention. Self-attention when no context is given,
 * cross-attention otherwise. `keyMask` marks real tokens with 1 and padding with 0.
 */
export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly out: Linear;
  readonly heads: number;
  readonly dropoutRate: number;

  constructor(
    readonly dim: number,
    options: AttentionOptions = {},
  ) {
    super();
    this.heads = options.heads ?? 1;
    if (dim % this.heads !== 0)
      throw new Error(`MultiHeadAttention: dim ${dim} does not split into ${this.heads} heads`);
    const ctx = options.contextDim ?? dim;
    const bias = options.bias ?? true;
    const seed = (i: number) => deriveSeed(options.seed, i);
    this.q = new Linear(dim, dim, { bias, init: 'xavier', seed: seed(0) });
    this.k = new Linear(ctx, dim, { bias, init: 'xavier', seed: seed(1) });
    this.v = new Linear(ctx, dim, { bias, init: 'xavier', seed: seed(2) });
    this.out = new Linear(dim, dim, { bias, init: options.outInit ?? 'xavier', seed: seed(3) });
    this.dropoutRate = options.dropout ?? 0;
  }

  // x: [B, Tq, D], context: [B, Tk, Dc], keyMask: [B, Tk] (1 real, 0 padding) → [B, Tq, D]
  forward(x: tf.Tensor3D, context?: tf.Tensor3D, keyMask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const ctx = context ?? x;
      const [b, tq] = x.shape;
      const tk = ctx.shape[1];
      const dh = this.dim / this.heads;
      const split = (t: tf.Tensor, len: number) =>
        tf.transpose(tf.reshape(t, [b, len, this.heads, dh]), [0, 2, 1, 3]); // [B, H, T, dh]
      const q = split(this.q.forward(x), tq);
      const k = split(this.k.forward(ctx), tk);
      const v = split(this.v.forward(ctx), tk);
      let logits = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)); // [B, H, Tq, Tk]
      if (keyMask) {
        const pad = tf.sub(1, tf.cast(keyMask, 'float32'));
        logits = tf.add(logits, tf.mul(tf.reshape(pad, [b, 1, 1, tk]), MASKED_LOGIT));
      }
      const weights = dropout(tf.softmax(logits), this.dropoutRate, this.training);
      const heads = tf.matMul(weights, v); // [B, H, Tq, dh]
      const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, tq, this.dim]);
      return this.out.forward(merged) as tf.Tensor3D;
    });
  }
}
