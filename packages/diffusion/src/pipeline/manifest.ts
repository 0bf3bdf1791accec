import { parseLayoutPrior, VocabularyJsonSchema, type VocabularyJson } from '@sgdiff/scene-graph';
import { z } from 'zod';
import type { AutoencoderConfig } from '../autoencoder/config.js';
import type { DenoiserConfig } from '../ldm/denoiser.js';
import { parseScheduleConfig, type ScheduleConfig } from '../schedules.js';
import { SAMPLER_NAMES, type SamplerName } from '../samplers/index.js';

/** `sgdiff.json`: what a model directory holds and how to sample from it (docs/architecture.md). */
export const MODEL_MANIFEST = 'sgdiff.json';
export const MODEL_FORMAT = 'sgdiff-model';
export const MODEL_FORMAT_VERSION = 1;

const PartSchema = z.object({ path: z.string().min(1), config: z.record(z.string(), z.unknown()) });

const ManifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  vocabulary: VocabularyJsonSchema,
  imageSize: z.number().int().positive(),
  /** [h, w, c] of the diffusion latents. */
  latentShape: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  latentScale: z.number().positive(),
  maxObjects: z.number().int().positive(),
  schedule: z.unknown(),
  defaults: z.object({
    sampler: z.enum(SAMPLER_NAMES),
    steps: z.number().int().positive(),
    guidance: z.number(),
    relationGuidance: z.number().min(0).optional(),
    lateGuidance: z
      .object({ below: z.number().int().positive(), scale: z.number().min(0) })
      .optional(),
    eta: z.number().min(0).optional(),
  }),
  parts: z.object({ encoder: PartSchema, autoencoder: PartSchema, unet: PartSchema }),
  versions: z.record(z.string(), z.string()).default({}),
  /** Free-form provenance: training runs, steps, dataset. */
  provenance: z.record(z.string(), z.unknown()).optional(),
});

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  vocabulary: VocabularyJson;
  imageSize: number;
  latentShape: [number, number, number];
  latentScale: number;
  maxObjects: number;
  schedule: ScheduleConfig;
  defaults: {
    sampler: SamplerName;
    steps: number;
    guidance: number;
    /** Relation guidance r (`GenerateOptions.relationGuidance`); absent: 0. */
    relationGuidance?: number;
    /**
     * Guidance `scale` at timesteps below `below`. It belongs to `guidance`: a caller who gives
     * a guidance scale gets that scale throughout unless it also gives a late one.
     */
    lateGuidance?: { below: number; scale: number };
    eta?: number;
  };
  parts: {
    encoder: { path: string; config: Record<string, unknown> };
    autoencoder: { path: string; config: AutoencoderConfig & Record<string, unknown> };
    unet: { path: string; config: DenoiserConfig & Record<string, unknown> };
  };
  versions: Record<string, string>;
  provenance?: Record<string, unknown>;
}

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/** Validates a parsed sgdiff.json; `where` names it in errors. */
export function parseModelManifest(json: unknown, where: string): ModelManifest {
  const r = ManifestSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ModelError(`${where}: not a valid ${MODEL_MANIFEST} (${issues})`);
  }
  // The part configs are the modules' own; the layout prior is read by the pipeline itself.
  const prior = (r.data.parts.unet.config as { layout?: { prior?: unknown } }).layout?.prior;
  const checked = prior === undefined ? undefined : parseLayoutPrior(prior);
  if (checked?.issues)
    throw new ModelError(`${where}: parts.unet.config.layout.prior: ${checked.issues}`);
  let schedule: ScheduleConfig;
  try {
    schedule = parseScheduleConfig(r.data.schedule);
  } catch (e) {
    throw new ModelError(`${where}: schedule: ${(e as Error).message}`);
  }
  return { ...(r.data as unknown as ModelManifest), schedule };
}
