import { initSeed, Linear, MLP, Module, MultiHeadAttention, tf } from '@sgdiff/nn';

/**
 * How the global token is made.
 * - `means`: mean object vector ‖ mean predicate vector, projected (SGDiff's code; checkpoints
 *   saved before the option). Only the graph conv's nonlinearity tells a swapped relation apart,
 *   and the change is averaged over every object and triple: the global of a graph and of its
 *   swap had cosine 0.9999 (see the encoder README's diagnosis).
 * - `triple-mean`: a residual MLP on each local token ([s ‖ p ‖ o] in order, projected), then
 *   their masked mean, projected: each triple adds its own ordered reading.
 * - `triple-attention`: the same per-token MLP, then a learned query attends to the local tokens
 *   (Set Transformer's pooling, CLIP's attention pool): it can weigh the relations above the
 *   many `__in_image__` tokens.
 */
export type GlobalPooling = 'means' | 'triple-mean' | 'triple-attention';

export const GLOBAL_POOLINGS: readonly GlobalPooling[] = [
  'means',
  'triple-mean',
  'triple-attention',
];

/** Pools the local triple tokens into the global token (`triple-mean`, `triple-attention`). */
export class TriplePool extends Module {
  readonly tokenMlp: MLP;
  /** query: [1, C] what the attention pool looks for (null for the mean). */
  readonly query: tf.Variable | null;
  readonly attention: MultiHeadAttention | null;
  readonly projection: Linear | null;

  constructor(
    readonly kind: Exclude<GlobalPooling, 'means'>,
    readonly dim: number,
    heads = 4,
  ) {
    super();
    this.tokenMlp = new MLP(dim, { hidden: 2 * dim });
    if (kind === 'triple-attention') {
      this.query = this.param(
        () => tf.randomNormal([1, dim], 0, 1 / Math.sqrt(dim), 'float32', initSeed()),
        {
          decay: false,
        },
      );
      this.attention = new MultiHeadAttention(dim, { heads });
      this.projection = null;
    } else {
      this.query = null;
      this.attention = null;
      this.projection = new Linear(dim, dim);
    }
  }

  // local: [B, K, C], mask: [B, K] (1 real, 0 padding) → [B, C]
  forward(local: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, k, c] = local.shape;
      const h = tf.add(local, this.tokenMlp.forward(local)) as tf.Tensor3D; // [B, K, C]
      if (this.attention && this.query) {
        const q = tf.tile(tf.reshape(this.query, [1, 1, c]), [b, 1, 1]) as tf.Tensor3D;
        return tf.reshape(this.attention.forward(q, h, mask), [b, c]) as tf.Tensor2D;
      }
      // Masked mean: padding tokens are zero but the MLP's biases are not, so mask after it.
      const m = tf.reshape(mask, [b, k, 1]);
      const sum = tf.sum(tf.mul(h, m), 1); // [B, C]
      const count = tf.maximum(tf.sum(mask, 1, true), 1); // [B, 1]
      return this.projection!.forward(tf.div(sum, count)) as tf.Tensor2D;
    });
  }
}
