// The one signature every sampler has (k-diffusion style): (model, xT, options) → x0.
import type { EpsModel } from '../model.js';
import type { Rng } from '../noise.js';
import type { NoiseSchedule } from '../schedules.js';
import type { tf } from '@sgdiff/nn';
import type { TimestepSpacing } from './timesteps.js';

/**
 * Handed to the per-step callback before step i updates x. The tensors are disposed when the
 * callback returns (or its promise settles): read them with `await t.data()` or clone them.
 */
export interface SamplerStep {
  /** 0 … steps − 1. */
  i: number;
  steps: number;
  /** The timestep being denoised (0 … T − 1). */
  t: number;
  /** x_t: [B, ...]. */
  x: tf.Tensor;
  /** The model's estimate of x_0 at this step: [B, ...]. Drives live previews. */
  denoised: tf.Tensor;
}

/** Called once per step; may be async (the sampler awaits it, so a UI can repaint). */
export type StepCallback = (step: SamplerStep) => void | Promise<void>;

export interface SamplerOptions<C = unknown> {
  schedule: NoiseSchedule;
  /** Number of model evaluations. */
  steps: number;
  cond: C;
  /** Default 'trailing' (DDPM, DDIM) or 'logSnr' (DPM-Solver++). */
  spacing?: TimestepSpacing;
  /** Noise for stochastic samplers (DDPM, DDIM with η > 0); required by them. */
  rng?: Rng;
  callback?: StepCallback;
  /** Checked before every step; an aborted run throws signal.reason and frees its tensors. */
  signal?: AbortSignal;
}

/**
 * xT: [B, ...] the starting noise (not disposed). Resolves to x_0 with xT's shape, owned by the
 * caller.
 */
export type Sampler<C = unknown, O extends SamplerOptions<C> = SamplerOptions<C>> = (
  model: EpsModel<C>,
  xT: tf.Tensor,
  options: O,
) => Promise<tf.Tensor>;
