// Classifier-free guidance (Ho & Salimans): ε = ε_u + g·(ε_c − ε_u). g = 1 is the plain
// conditional model, g = 0 the unconditional one, g > 1 trades diversity for fidelity.
// An optional contrasting condition n adds r·(ε_c − ε_n), which pushes the sample away from
// what n says and the real condition does not (as negative prompts do for text).
import type { EpsModel } from './model.js';
import { tf } from '@sgdiff/nn';

/** The guidance formula on its own. All: [B, ...]. With `contrast`: + r·(ε_c − ε_n). */
export function guidedEps(
  epsCond: tf.Tensor,
  epsUncond: tf.Tensor,
  scale: number | tf.Tensor,
  contrast?: { eps: tf.Tensor; scale: number },
): tf.Tensor {
  return tf.tidy(() => {
    const guided = tf.add(epsUncond, tf.mul(tf.sub(epsCond, epsUncond), scale));
    return contrast
      ? tf.add(guided, tf.mul(tf.sub(epsCond, contrast.eps), contrast.scale))
      : guided;
  });
}

export interface GuidanceOptions<C> {
  /** g. */
  scale: number;
  /** The null-graph condition, already batched like the real one. */
  uncond: C;
  /** Steps at timesteps t < `below` (the low-noise end) use g = `scale` instead. */
  late?: { below: number; scale: number };
  /**
   * A contrasting condition, batched like the real one, and its weight r ≥ 0: the model also
   * runs on it and r·(ε_c − ε_n) is added. r = 0 skips it.
   */
  contrast?: { cond: C; scale: number };
  /**
   * Stacks two conditions along the batch axis, [cond; uncond], so that the model runs once on
   * 2B rows (one UNet call instead of two), or 3B with a contrast. Without it the model is
   * called once per condition.
   */
  concat?: (cond: C, uncond: C) => C;
}

/** Wraps an ε-model with classifier-free guidance; the result is an ε-model again. */
export function withGuidance<C>(model: EpsModel<C>, options: GuidanceOptions<C>): EpsModel<C> {
  const { scale, uncond, concat } = options;
  if (!Number.isFinite(scale)) throw new Error(`guidance scale must be finite, got ${scale}`);
  const r = options.contrast?.scale ?? 0;
  if (!Number.isFinite(r) || r < 0) {
    throw new Error(`contrast guidance scale must be finite and ≥ 0, got ${r}`);
  }
  const negative = r > 0 ? options.contrast!.cond : undefined;
  const late = options.late;
  if (late && (!Number.isFinite(late.scale) || !Number.isFinite(late.below))) {
    throw new Error(`late guidance must be finite, got ${late.scale} below t = ${late.below}`);
  }
  // g per row, [B, 1, …] to broadcast over x: no read-back, so samplers stay asynchronous.
  const scaleAt = (t: tf.Tensor, rank: number): number | tf.Tensor =>
    late
      ? tf.reshape(
          tf.where(tf.less(t, late.below), tf.fill(t.shape, late.scale), tf.fill(t.shape, scale)),
          [-1, ...Array(rank - 1).fill(1)],
        )
      : scale;
  return (x, t, cond) =>
    tf.tidy(() => {
      if (!negative && !late) {
        if (scale === 1) return model(x, t, cond);
        if (scale === 0) return model(x, t, uncond);
      }
      const conds = negative ? [cond, uncond, negative] : [cond, uncond];
      let eps: tf.Tensor[];
      if (concat) {
        // x: [B, ...] → [kB, ...]: conditional rows, then unconditional, then contrasting.
        const k = conds.length;
        const all = model(
          tf.concat(Array(k).fill(x), 0),
          tf.concat(Array(k).fill(t), 0),
          conds.reduce((a, c) => concat(a, c)),
        );
        eps = tf.split(all, k, 0);
      } else {
        eps = conds.map((c) => model(x, t, c));
      }
      return guidedEps(eps[0], eps[1], scaleAt(t, x.rank), negative && { eps: eps[2], scale: r });
    });
}

/** `concat` for conditions that are a single tensor [B, ...]. */
export function concatTensorCond(cond: tf.Tensor, uncond: tf.Tensor): tf.Tensor {
  return tf.concat([cond, uncond], 0);
}
