import { Module, tf } from '@sgdiff/nn';
import {
  GraphContext,
  type GraphContextConfig,
  type GraphTokens,
} from '../conditioning/graph-context.js';
import { LayoutMap, type LayoutConfig, type LayoutSlots } from '../conditioning/layout-map.js';
import type { EpsModel } from '../model.js';
import type { UNetConfig } from '../unet/config.js';
import { UNet } from '../unet/unet.js';

/** The UNet's condition: graph tokens as cross-attention context with a padding mask. */
export interface ContextCond {
  context: tf.Tensor3D; // [B, L + 1, Dc]
  mask: tf.Tensor2D; // [B, L + 1]
  /** The layout map, for a denoiser with layout input; absent: an empty map. */
  layout?: tf.Tensor4D; // [B, h, w, layoutChannels]
}

export interface DenoiserConfig {
  unet: UNetConfig;
  context: GraphContextConfig;
  /** Layout conditioning (not in SGDiff); needs `unet.layoutChannels` = `layout.channels`. */
  layout?: LayoutConfig;
}

/**
 * Everything that trains in the diffusion stage: the UNet and the graph-token projections with
 * the null context. One module, so one EMA and one checkpoint (`unet/` in a model directory).
 */
export class Denoiser extends Module {
  readonly unet: UNet;
  readonly graphContext: GraphContext;
  readonly layoutMap?: LayoutMap;

  constructor(readonly config: DenoiserConfig) {
    super();
    if (config.unet.contextDim !== config.context.contextDim) {
      throw new Error(
        `Denoiser: UNet context width ${config.unet.contextDim} ≠ graph context width ${config.context.contextDim}`,
      );
    }
    if ((config.layout?.channels ?? 0) !== (config.unet.layoutChannels ?? 0)) {
      throw new Error(
        `Denoiser: layout map of ${config.layout?.channels ?? 0} channels, UNet reads ${config.unet.layoutChannels ?? 0}`,
      );
    }
    this.unet = new UNet(config.unet);
    this.graphContext = new GraphContext(config.context);
    if (config.layout) this.layoutMap = new LayoutMap(config.layout);
  }

  /** The ε-model the samplers and the training loss call. */
  readonly eps: EpsModel<ContextCond> = (x, t, cond) =>
    this.unet.forward(x as tf.Tensor4D, t as tf.Tensor1D, cond.context, cond.mask, cond.layout);

  /** Options for the encoder's forward pass: whether this context reads its label tokens. */
  get tokenOptions(): { labelTokens: boolean } {
    return { labelTokens: this.graphContext.labelProj !== undefined };
  }

  /**
   * Graph tokens (and, for a denoiser with layout input, the graphs' boxes painted at the
   * latent size [h, w]) → the UNet's condition. `keep` ([B], 1 or 0) drops graphs for training.
   */
  condition(
    tokens: GraphTokens,
    keep?: tf.Tensor1D,
    layout?: { slots: LayoutSlots; size: [number, number] },
  ): ContextCond {
    if (layout && !this.layoutMap)
      throw new Error('Denoiser: boxes were given to a denoiser without layout input');
    const cond: ContextCond = this.graphContext.forward(tokens, keep);
    if (layout) cond.layout = this.layoutMap!.forward(layout.slots, ...layout.size, keep);
    return cond;
  }

  nullCondition(batch: number): ContextCond {
    return this.graphContext.nullBatch(batch);
  }
}

/** Stacks two conditions along the batch axis (for one guided UNet call over 2B rows). */
export function concatContext(a: ContextCond, b: ContextCond): ContextCond {
  const out = tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {
      context: tf.concat([a.context, b.context], 0) as tf.Tensor3D,
      mask: tf.concat([a.mask, b.mask], 0) as tf.Tensor2D,
    };
    const like = a.layout ?? b.layout;
    if (like) {
      // A condition without a map (the null one) has an empty map.
      const [, h, w, ch] = like.shape;
      const map = (c: ContextCond) => c.layout ?? tf.zeros([c.context.shape[0], h, w, ch]);
      out.layout = tf.concat([map(a), map(b)], 0);
    }
    return out;
  });
  return out as unknown as ContextCond;
}

export function disposeCond(c: ContextCond): void {
  tf.dispose([c.context, c.mask, ...(c.layout ? [c.layout] : [])]);
}
