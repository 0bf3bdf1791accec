import { initSeed, LayerNorm, Linear, Module, tf } from '@sgdiff/nn';

/** What the scene-graph encoder gives the denoiser. */
export interface GraphTokens {
  /** local: [B, L, Dl] one token per triple, real relations first. */
  local: tf.Tensor3D;
  /** localMask: [B, L], 1 for real tokens, 0 for padding. */
  localMask: tf.Tensor2D;
  /** global: [B, Dg]. */
  global: tf.Tensor2D;
  /** labelTokens: [B, L, Dlabel] each token's triple as label embeddings (see `labelDim`). */
  labelTokens?: tf.Tensor3D;
}

/** Frees every tensor of a GraphTokens. */
export function disposeTokens(tokens: GraphTokens): void {
  tf.dispose([tokens.local, tokens.localMask, tokens.global]);
  if (tokens.labelTokens) tokens.labelTokens.dispose();
}

export interface GraphContextConfig {
  localDim: number;
  globalDim: number;
  contextDim: number;
  /** Local tokens per graph (SGDiff: 15); the context has one more, the global token. */
  numLocalTokens: number;
  /**
   * LayerNorm on the projected tokens (as CLIP/BERT contexts are normed in latent diffusion).
   * Pre-trained encoder tokens are small (std ~0.03–0.07 from the synthetic encoder), which
   * leaves cross-attention nearly uniform and its values nearly zero; absent (older models): off.
   */
  normalize?: boolean;
  /**
   * Per-channel mean and std of the encoder's tokens over training graphs: tokens are
   * standardised before the projections. Unlike the LayerNorm, this keeps what a token's norm
   * says (the synthetic encoder codes some labels by norm: water and grass differ 3× in norm,
   * not in direction) while bringing every channel to unit scale.
   */
  standardize?: TokenStats;
  /**
   * Width of the encoder's label tokens (its input embeddings of s ‖ p ‖ o, before the graph
   * convolutions). When set, they are projected and added to the local context tokens after the
   * norm, through a zero-initialised projection, so a UNet trained without them starts
   * unchanged. Not in SGDiff: the synthetic encoder's tokens keep little of an object's shape
   * (red circle vs red square: cosine 0.993), its input embeddings keep it (−0.05).
   */
  labelDim?: number;
}

/** Per-channel statistics of encoder tokens (local over real tokens only, and global). */
export interface TokenStats {
  localMean: number[];
  localStd: number[];
  globalMean: number[];
  globalStd: number[];
}

/** Channel means and stds of a batch of tokens; padding tokens are left out. */
export function tokenStats(tokens: GraphTokens): TokenStats {
  return tf.tidy(() => {
    const [b, l, d] = tokens.local.shape;
    const flat = tf.reshape(tokens.local, [b * l, d]);
    const w = tf.reshape(tf.cast(tokens.localMask, 'float32'), [b * l, 1]);
    const n = tf.sum(w);
    const mean = tf.div(tf.sum(tf.mul(flat, w), 0), n);
    const variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(flat, mean)), w), 0), n);
    const g = tf.moments(tokens.global, 0);
    const std = (v: tf.Tensor) => Array.from(tf.sqrt(tf.maximum(v, 1e-12)).dataSync());
    return {
      localMean: Array.from(mean.dataSync()),
      localStd: std(variance),
      globalMean: Array.from(g.mean.dataSync()),
      globalStd: std(g.variance),
    };
  });
}

/**
 * Turns encoder tokens into the UNet's cross-attention context: local tokens projected to the
 * context width, the global token appended as one more. Also holds the learned null-graph
 * context that classifier-free guidance uses as its unconditional branch.
 */
export class GraphContext extends Module {
  readonly localProj: Linear;
  readonly globalProj: Linear;
  readonly nullContext: tf.Variable; // [L + 1, Dc]
  readonly norm?: LayerNorm;
  readonly labelProj?: Linear;

  constructor(readonly config: GraphContextConfig) {
    super();
    this.localProj = new Linear(config.localDim, config.contextDim, { init: 'xavier' });
    this.globalProj = new Linear(config.globalDim, config.contextDim, { init: 'xavier' });
    if (config.normalize) this.norm = new LayerNorm(config.contextDim);
    if (config.labelDim)
      this.labelProj = new Linear(config.labelDim, config.contextDim, { init: 'zeros' });
    // The null context lives at the scale of the real one: unit when normed, small without.
    const nullStd = config.normalize || config.standardize ? 1 : 0.02;
    this.nullContext = this.param(
      () =>
        tf.randomNormal(
          [config.numLocalTokens + 1, config.contextDim],
          0,
          nullStd,
          'float32',
          initSeed(),
        ),
      {
        decay: false,
      },
    );
  }

  /**
   * `keep` ([B], 1 or 0) swaps dropped graphs for the null context, for training with
   * condition dropout; omitted, every graph is kept.
   */
  // → context: [B, L + 1, Dc], mask: [B, L + 1]
  forward(tokens: GraphTokens, keep?: tf.Tensor1D): { context: tf.Tensor3D; mask: tf.Tensor2D } {
    const { numLocalTokens: L } = this.config;
    if (tokens.local.shape[1] !== L) {
      throw new Error(`GraphContext: ${tokens.local.shape[1]} local tokens, expected ${L}`);
    }
    if (this.labelProj && !tokens.labelTokens) {
      throw new Error('GraphContext: this context reads label tokens, and none were given');
    }
    return tf.tidy(() => {
      const b = tokens.local.shape[0];
      let { local: localIn, global: globalIn } = tokens as { local: tf.Tensor; global: tf.Tensor };
      const st = this.config.standardize;
      if (st) {
        localIn = tf.div(tf.sub(localIn, st.localMean), st.localStd);
        globalIn = tf.div(tf.sub(globalIn, st.globalMean), st.globalStd);
      }
      const local = this.localProj.forward(localIn);
      const global = tf.reshape(this.globalProj.forward(globalIn), [b, 1, -1]);
      let context = tf.concat([local, global], 1) as tf.Tensor3D;
      if (this.norm) context = this.norm.forward(context) as tf.Tensor3D;
      if (this.labelProj) {
        // Padding label tokens are zero, and the global token gets none.
        const labels = tf.mul(
          this.labelProj.forward(tokens.labelTokens!),
          tf.expandDims(tf.cast(tokens.localMask, 'float32'), 2),
        );
        context = tf.add(
          context,
          tf.pad(labels, [
            [0, 0],
            [0, 1],
            [0, 0],
          ]),
        ) as tf.Tensor3D;
      }
      let mask = tf.concat(
        [tf.cast(tokens.localMask, 'float32'), tf.ones([b, 1])],
        1,
      ) as tf.Tensor2D;
      if (keep) {
        const k3 = tf.reshape(tf.cast(keep, 'float32'), [b, 1, 1]);
        context = tf.add(
          tf.mul(context, k3),
          tf.mul(tf.sub(1, k3), tf.expandDims(this.nullContext, 0)),
        );
        const k2 = tf.reshape(k3, [b, 1]);
        mask = tf.add(tf.mul(mask, k2), tf.sub(1, k2));
      }
      return { context, mask };
    });
  }

  /** The unconditional branch for guidance: the null context for `batch` graphs. */
  // → context: [B, L + 1, Dc], mask: [B, L + 1]
  nullBatch(batch: number): { context: tf.Tensor3D; mask: tf.Tensor2D } {
    return tf.tidy(() => ({
      context: tf.tile(tf.expandDims(this.nullContext, 0), [batch, 1, 1]) as tf.Tensor3D,
      mask: tf.ones([batch, this.config.numLocalTokens + 1]) as tf.Tensor2D,
    }));
  }
}
