// DDIM inversion: runs the deterministic (η = 0) DDIM update backwards, x0 → x_T, so that
// sampling from the result with the same steps and condition gives (approximately) x0 back.
// As is usual, ε at each level is taken at the lower level's x: exact only as steps → ∞.
import { tf } from '@sgdiff/nn';
import type { EpsModel } from '../model.js';
import type { NoiseSchedule } from '../schedules.js';
import { samplingTimesteps, type TimestepSpacing } from './timesteps.js';

export interface DdimInversionOptions<C> {
  schedule: NoiseSchedule;
  steps: number;
  cond: C;
  /** Must match the sampler's spacing for the round trip; default 'trailing' as DDIM's. */
  spacing?: TimestepSpacing;
  signal?: AbortSignal;
}

/** x0: [B, ...] clean latents → the x_T that DDIM (η = 0) maps back to them. Caller owns the result. */
export async function ddimInvert<C>(
  model: EpsModel<C>,
  x0: tf.Tensor,
  options: DdimInversionOptions<C>,
): Promise<tf.Tensor> {
  const ts = samplingTimesteps(
    options.schedule,
    options.steps,
    options.spacing ?? 'trailing',
  ).reverse(); // ascending
  const ab = options.schedule.alphasCumprod;
  let x = tf.clone(x0);
  let alphaPrev = 1;
  for (const t of ts) {
    if (options.signal?.aborted) {
      x.dispose();
      options.signal.throwIfAborted();
    }
    const alpha = ab[t];
    const next = tf.tidy(() => {
      const eps = model(x, tf.fill([x.shape[0]], t, 'float32'), options.cond);
      const x0Pred = tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - alphaPrev))), Math.sqrt(alphaPrev));
      return tf.add(tf.mul(x0Pred, Math.sqrt(alpha)), tf.mul(eps, Math.sqrt(1 - alpha)));
    });
    x.dispose();
    x = next;
    alphaPrev = alpha;
    await tf.nextFrame(); // keep a browser worker responsive
  }
  return x;
}
