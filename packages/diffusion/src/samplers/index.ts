import { sampleDdim, type DdimOptions } from './ddim.js';
import { sampleDdpm, type DdpmOptions } from './ddpm.js';
import { sampleDpmSolverPP2M } from './dpm-solver-pp-2m.js';
import type { Sampler, SamplerOptions } from './types.js';

export { sampleDdim, type DdimOptions } from './ddim.js';
export { ddimInvert, type DdimInversionOptions } from './ddim-inversion.js';
export { sampleDdpm, type DdpmOptions, type DdpmVariance } from './ddpm.js';
export { sampleDpmSolverPP2M, type DpmSolverPP2MOptions } from './dpm-solver-pp-2m.js';
export { samplingTimesteps, TIMESTEP_SPACINGS, type TimestepSpacing } from './timesteps.js';
export type { Sampler, SamplerOptions, SamplerStep, StepCallback } from './types.js';

/**
 * The registered samplers' names, in the order menus list them: the one list that the manifest
 * schema, the CLI's `--sampler` choices and the web demo's menu derive from.
 */
export const SAMPLER_NAMES = ['ddim', 'dpmpp-2m', 'ddpm'] as const;

/** Names for `--sampler` and sgdiff.json's default sampler. */
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Options any registered sampler accepts; each reads only its own extras. */
export type AnySamplerOptions<C = unknown> = SamplerOptions<C> &
  Pick<DdimOptions<C>, 'eta'> &
  Pick<DdpmOptions<C>, 'variance'>;

export const SAMPLERS: Readonly<Record<SamplerName, Sampler<unknown, AnySamplerOptions<unknown>>>> =
  {
    ddpm: sampleDdpm,
    ddim: sampleDdim,
    'dpmpp-2m': sampleDpmSolverPP2M,
  };

export function getSampler(name: string): Sampler<unknown, AnySamplerOptions<unknown>> {
  if (!Object.hasOwn(SAMPLERS, name)) {
    throw new Error(
      `unknown sampler ${JSON.stringify(name)} (expected ${Object.keys(SAMPLERS).join(', ')})`,
    );
  }
  return SAMPLERS[name as SamplerName];
}
