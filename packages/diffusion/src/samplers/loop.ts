// Plumbing shared by the samplers: timesteps, the model call, the callback, cancellation and
// tensor ownership. Each sampler supplies only its update rule.
import type { EpsModel } from '../model.js';
import { tf } from '@sgdiff/nn';
import { samplingTimesteps, type TimestepSpacing } from './timesteps.js';
import type { SamplerOptions } from './types.js';

export interface StepInput {
  i: number;
  /** Current and next timestep; next is null on the last step (the target is clean data). */
  t: number;
  tNext: number | null;
  /** ᾱ at t and at tNext (1 on the last step), float64. */
  alphaBar: number;
  alphaBarNext: number;
  x: tf.Tensor;
  eps: tf.Tensor;
  denoised: tf.Tensor;
}

/** Runs `update` (called inside tf.tidy) once per timestep and returns the final x. */
export async function runSampler<C>(
  name: string,
  model: EpsModel<C>,
  xT: tf.Tensor,
  options: SamplerOptions<C>,
  update: (s: StepInput) => tf.Tensor,
  defaultSpacing: TimestepSpacing = 'trailing',
): Promise<tf.Tensor> {
  const { schedule, cond, callback, signal } = options;
  const ts = samplingTimesteps(schedule, options.steps, options.spacing ?? defaultSpacing);
  const batch = xT.shape[0];
  if (batch === undefined)
    throw new Error(`${name}: xT must have a batch axis, got shape [${xT.shape}]`);
  let x = xT;
  try {
    for (let i = 0; i < ts.length; i++) {
      signal?.throwIfAborted();
      const t = ts[i]!;
      const tNext = i + 1 < ts.length ? ts[i + 1]! : null;
      const alphaBar = schedule.alphasCumprod[t]!;
      const alphaBarNext = tNext === null ? 1 : schedule.alphasCumprod[tNext]!;
      const current = x;
      const [eps, denoised] = tf.tidy(() => {
        const e = model(current, tf.fill([batch], t, 'float32'), cond);
        if (e.shape.join() !== current.shape.join()) {
          throw new Error(
            `${name}: model returned shape [${e.shape}], expected [${current.shape}]`,
          );
        }
        // x̂0 = (x − √(1−ᾱ)·ε)/√ᾱ, coefficients in float64.
        const d = tf.sub(
          tf.mul(current, 1 / Math.sqrt(alphaBar)),
          tf.mul(e, Math.sqrt(1 / alphaBar - 1)),
        );
        return [e, d];
      });
      try {
        await callback?.({ i, steps: ts.length, t, x: current, denoised });
        signal?.throwIfAborted();
        x = tf.tidy(() =>
          update({ i, t, tNext, alphaBar, alphaBarNext, x: current, eps, denoised }),
        );
      } finally {
        eps.dispose();
        denoised.dispose();
      }
      if (current !== xT) current.dispose();
    }
    return x === xT ? tf.clone(xT) : x;
  } catch (e) {
    if (x !== xT) x.dispose();
    throw e;
  }
}
