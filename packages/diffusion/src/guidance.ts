// Classifier-free guidance (Ho & Salimans): ε = ε_u + g·(ε_c − ε_u). g = 1 is the plain
// conditional model, g = 0 the unconditional one, g > 1 trades diversity for fidelity.
import type { EpsModel } from './model.js';
import { tf } from '@sgdiff/nn';

/** The guidance formula on its own. All: [B, ...]. */
export function guidedEps(epsCond: tf.Tensor, epsUncond: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => tf.add(epsUncond, tf.mul(tf.sub(epsCond, epsUncond), scale)));
}

export interface GuidanceOptions<C> {
  /** g. */
  scale: number;
  /** The null-graph condition, already batched like the real one. */
  uncond: C;
  /**
   * Stacks two conditions along the batch axis, [cond; uncond], so that the model runs once on
   * 2B rows (one UNet call instead of two). Without it the model is called twice.
   */
  concat?: (cond: C, uncond: C) => C;
}

/** Wraps an ε-model with classifier-free guidance; the result is an ε-model again. */
export function withGuidance<C>(model: EpsModel<C>, options: GuidanceOptions<C>): EpsModel<C> {
  const { scale, uncond, concat } = options;
  if (!Number.isFinite(scale)) throw new Error(`guidance scale must be finite, got ${scale}`);
  return (x, t, cond) =>
    tf.tidy(() => {
      if (scale === 1) return model(x, t, cond);
      if (scale === 0) return model(x, t, uncond);
      if (concat) {
        // x: [B, ...] → [2B, ...]; first half conditional, second unconditional.
        const both = model(tf.concat([x, x], 0), tf.concat([t, t], 0), concat(cond, uncond));
        const [epsCond, epsUncond] = tf.split(both, 2, 0) as [tf.Tensor, tf.Tensor];
        return guidedEps(epsCond, epsUncond, scale);
      }
      return guidedEps(model(x, t, cond), model(x, t, uncond), scale);
    });
}

/** `concat` for conditions that are a single tensor [B, ...]. */
export function concatTensorCond(cond: tf.Tensor, uncond: tf.Tensor): tf.Tensor {
  return tf.concat([cond, uncond], 0);
}
