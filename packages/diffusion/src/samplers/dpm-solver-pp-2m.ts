// DPM-Solver++(2M) (Lu et al. 2022, Alg. 2), the multistep second-order data-prediction solver of
// the probability-flow ODE, in the form k-diffusion's sample_dpmpp_2m uses. With λ = log(α/σ),
// α = √ᾱ, σ = √(1 − ᾱ), h = λ_next − λ_t:
//   x_next = (σ_next/σ_t)·x − α_next·expm1(−h)·D,
//   D = x̂0_t on the first and last step, else (1 + 1/2r)·x̂0_t − (1/2r)·x̂0_prev, r = h_prev/h.
// The last step lands on clean data (σ = 0), where the update reduces to x̂0. Deterministic.
// Default spacing 'logSnr' (uniform in λ), as DPM-Solver recommends.
import type { EpsModel } from '../model.js';
import { tf } from '@sgdiff/nn';
import { runSampler } from './loop.js';
import type { SamplerOptions } from './types.js';

export type DpmSolverPP2MOptions<C = unknown> = SamplerOptions<C>;

export async function sampleDpmSolverPP2M<C>(
  model: EpsModel<C>,
  xT: tf.Tensor,
  options: DpmSolverPP2MOptions<C>,
): Promise<tf.Tensor> {
  const lambda = (alphaBar: number) => 0.5 * Math.log(alphaBar / (1 - alphaBar));
  let previous: { denoised: tf.Tensor; lambda: number } | null = null;
  try {
    return await runSampler(
      'dpm-solver++ 2m',
      model,
      xT,
      options,
      ({ tNext, alphaBar, alphaBarNext, x, denoised }) => {
        const last = previous;
        const lambdaT = lambda(alphaBar);
        previous = { denoised: tf.keep(tf.clone(denoised)), lambda: lambdaT };
        try {
          if (tNext === null) return tf.clone(denoised);
          const h = lambda(alphaBarNext) - lambdaT;
          let d = denoised;
          if (last) {
            const r = (lambdaT - last.lambda) / h;
            d = tf.sub(tf.mul(denoised, 1 + 1 / (2 * r)), tf.mul(last.denoised, 1 / (2 * r)));
          }
          const sigmaRatio = Math.sqrt((1 - alphaBarNext) / (1 - alphaBar));
          return tf.add(
            tf.mul(x, sigmaRatio),
            tf.mul(d, -Math.sqrt(alphaBarNext) * Math.expm1(-h)),
          );
        } finally {
          last?.denoised.dispose();
        }
      },
      'logSnr',
    );
  } finally {
    (previous as { denoised: tf.Tensor } | null)?.denoised.dispose();
  }
}
