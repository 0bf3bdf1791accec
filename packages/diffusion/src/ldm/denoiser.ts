import { Module, tf } from '@sgdiff/nn';
import {
  GraphContext,
  type GraphContextConfig,
  type GraphTokens,
} from '../conditioning/graph-context.js';
import type { EpsModel } from '../model.js';
import type { UNetConfig } from '../unet/config.js';
import { UNet } from '../unet/unet.js';

/** The UNet's condition: graph tokens as cross-attention context with a padding mask. */
export interface ContextCond {
  context: tf.Tensor3D; // [B, L + 1, Dc]
  mask: tf.Tensor2D; // [B, L + 1]
}

export interface DenoiserConfig {
  unet: UNetConfig;
  context: GraphContextConfig;
}

/**
 * Everything that trains in the diffusion stage: the UNet and the graph-token projections with
 * the null context. One module, so one EMA and one checkpoint (`unet/` in a model directory).
 */
export class Denoiser extends Module {
  readonly unet: UNet;
  readonly graphContext: GraphContext;

  constructor(readonly config: DenoiserConfig) {
    super();
    if (config.unet.contextDim !== config.context.contextDim) {
      throw new Error(
        `Denoiser: UNet context width ${config.unet.contextDim} ≠ graph context width ${config.context.contextDim}`,
      );
    }
    this.unet = new UNet(config.unet);
    this.graphContext = new GraphContext(config.context);
  }

  /** The ε-model the samplers and the training loss call. */
  readonly eps: EpsModel<ContextCond> = (x, t, cond) =>
    this.unet.forward(x as tf.Tensor4D, t as tf.Tensor1D, cond.context, cond.mask);

  /** Options for the encoder's forward pass: whether this context reads its label tokens. */
  get tokenOptions(): { labelTokens: boolean } {
    return { labelTokens: this.graphContext.labelProj !== undefined };
  }

  condition(tokens: GraphTokens, keep?: tf.Tensor1D): ContextCond {
    return this.graphContext.forward(tokens, keep);
  }

  nullCondition(batch: number): ContextCond {
    return this.graphContext.nullBatch(batch);
  }
}

/** Stacks two conditions along the batch axis (for one guided UNet call over 2B rows). */
export function concatContext(a: ContextCond, b: ContextCond): ContextCond {
  return tf.tidy(() => ({
    context: tf.concat([a.context, b.context], 0) as tf.Tensor3D,
    mask: tf.concat([a.mask, b.mask], 0) as tf.Tensor2D,
  }));
}

export function disposeCond(c: ContextCond): void {
  tf.dispose([c.context, c.mask]);
}
