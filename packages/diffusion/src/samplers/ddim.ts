// DDIM (Song et al. 2021, eq. 12): x_prev = √ᾱ_prev·x̂0 + √(1 − ᾱ_prev − σ²)·ε̂ + σ·z,
// σ = η·√((1 − ᾱ_prev)/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev). η = 0 is the deterministic ODE sampler;
// η = 1 matches DDPM's posterior variance (SGDiff: 200 steps, η = 1).
import type { EpsModel } from '../model.js';
import { randn } from '../noise.js';
import { tf } from '@sgdiff/nn';
import { runSampler } from './loop.js';
import type { SamplerOptions } from './types.js';

export interface DdimOptions<C = unknown> extends SamplerOptions<C> {
  /** Default 0. */
  eta?: number;
}

export async function sampleDdim<C>(
  model: EpsModel<C>,
  xT: tf.Tensor,
  options: DdimOptions<C>,
): Promise<tf.Tensor> {
  const eta = options.eta ?? 0;
  if (!(eta >= 0)) throw new Error(`ddim: eta must be ≥ 0, got ${eta}`);
  if (eta > 0 && !options.rng) throw new Error('ddim: eta > 0 draws noise and needs options.rng');
  return runSampler('ddim', model, xT, options, ({ alphaBar, alphaBarNext, eps, denoised }) => {
    const sigma =
      eta * Math.sqrt((1 - alphaBarNext) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarNext);
    const dirCoef = Math.sqrt(Math.max(0, 1 - alphaBarNext - sigma * sigma));
    const mean = tf.add(tf.mul(denoised, Math.sqrt(alphaBarNext)), tf.mul(eps, dirCoef));
    // No draw when σ = 0 (η = 0, or the last step), so η = 0 never touches the RNG.
    return sigma > 0 ? tf.add(mean, tf.mul(randn(options.rng!, eps.shape), sigma)) : mean;
  });
}
