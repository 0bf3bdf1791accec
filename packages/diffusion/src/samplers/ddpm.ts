// DDPM ancestral sampling (Ho et al. 2020), over a subsequence of timesteps as improved-diffusion
// respaces: β'_t = 1 − ᾱ_t/ᾱ_prev, then x_prev ~ q(x_prev | x_t, x̂0) with a fixed variance.
import type { EpsModel } from '../model.js';
import { randn } from '../noise.js';
import { tf } from '@sgdiff/nn';
import { runSampler } from './loop.js';
import type { SamplerOptions } from './types.js';

/**
 * 'fixedSmall': the posterior variance β̃ (latent-diffusion's choice; best log-likelihood for
 * near-deterministic data). 'fixedLarge': β (better when the data is spread out).
 */
export type DdpmVariance = 'fixedSmall' | 'fixedLarge';

export interface DdpmOptions<C = unknown> extends SamplerOptions<C> {
  /** Default 'fixedSmall'. */
  variance?: DdpmVariance;
}

export async function sampleDdpm<C>(
  model: EpsModel<C>,
  xT: tf.Tensor,
  options: DdpmOptions<C>,
): Promise<tf.Tensor> {
  const variance = options.variance ?? 'fixedSmall';
  if (variance !== 'fixedSmall' && variance !== 'fixedLarge')
    throw new Error(`ddpm: unknown variance ${JSON.stringify(variance)}`);
  const rng = options.rng;
  if (!rng) throw new Error('ddpm: draws noise and needs options.rng');
  return runSampler(
    'ddpm',
    model,
    xT,
    options,
    ({ tNext, alphaBar, alphaBarNext, x, denoised }) => {
      const beta = 1 - alphaBar / alphaBarNext;
      const coefX0 = (beta * Math.sqrt(alphaBarNext)) / (1 - alphaBar);
      const coefXt = ((1 - alphaBarNext) * Math.sqrt(1 - beta)) / (1 - alphaBar);
      const mean = tf.add(tf.mul(denoised, coefX0), tf.mul(x, coefXt));
      // The last step returns the posterior mean, which there is x̂0 (improved-diffusion's nonzero_mask).
      if (tNext === null) return mean;
      const v = variance === 'fixedSmall' ? (beta * (1 - alphaBarNext)) / (1 - alphaBar) : beta;
      return tf.add(mean, tf.mul(randn(rng, x.shape), Math.sqrt(v)));
    },
  );
}
