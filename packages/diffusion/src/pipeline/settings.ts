import type { SamplerName } from '../samplers/index.js';
import type { ModelManifest } from './manifest.js';

/** What a caller may set for sampling; anything left out comes from the model. */
export interface SamplingOptions {
  sampler?: SamplerName;
  steps?: number;
  guidance?: number;
  relationGuidance?: number;
  /** `null`: none, even where the model has one. */
  lateGuidance?: { below: number; scale: number } | null;
  eta?: number;
}

/** The settings a generation runs with, every one decided. */
export interface SamplingSettings {
  sampler: SamplerName;
  steps: number;
  guidance: number;
  relationGuidance: number;
  lateGuidance?: { below: number; scale: number };
  eta: number;
}

/**
 * The one place that turns a caller's options and a model's defaults into sampling settings. The
 * pipeline, `sgdiff eval` and the web demo all go through it.
 *
 * The model's late guidance belongs to its own guidance scale: it applies when the caller gives
 * no guidance scale (a caller who wants the model's scale and its late one leaves `guidance`
 * out), and a caller's own `lateGuidance` always wins.
 */
export function resolveSettings(
  defaults: ModelManifest['defaults'],
  options: SamplingOptions = {},
): SamplingSettings {
  const late =
    options.lateGuidance === null
      ? undefined
      : (options.lateGuidance ??
        (options.guidance === undefined ? defaults.lateGuidance : undefined));
  return {
    sampler: options.sampler ?? defaults.sampler,
    steps: options.steps ?? defaults.steps,
    guidance: options.guidance ?? defaults.guidance,
    relationGuidance: options.relationGuidance ?? defaults.relationGuidance ?? 0,
    ...(late ? { lateGuidance: late } : {}),
    eta: options.eta ?? defaults.eta ?? 0,
  };
}
