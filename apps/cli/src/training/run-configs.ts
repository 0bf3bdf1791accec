import { UNET_PRESETS, type UNetPreset } from '@sgdiff/diffusion';
import { ABLATION_VARIANTS, type AblationVariant } from '@sgdiff/encoder';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { TrainRunConfig } from './train-config.js';
import type { PretrainRunConfig } from '../commands/pretrain.js';

// The run configs the commands write to config.json, as zod schemas: a resumed or exported run
// is parsed, not cast, so a hand-edited or truncated config names its problem. The nested part
// configs (denoiser, schedule, pre-training model) are checked as objects here and in full by the
// classes they build.

const part = z.looseObject({});
const positiveInt = z.number().int().positive();

export const TRAIN_RUN_CONFIG = z.object({
  command: z.literal('train'),
  data: z.string(),
  encoderRun: z.string(),
  autoencoderRun: z.string(),
  encoderCheckpoint: z.string(),
  autoencoderCheckpoint: z.string(),
  preset: z.enum(Object.keys(UNET_PRESETS) as [UNetPreset, ...UNetPreset[]]),
  denoiser: z.looseObject({ context: part }),
  schedule: part,
  training: part,
  latentScale: z.number().positive(),
  batch: positiveInt,
  seed: z.number().int(),
  imageSize: positiveInt,
  maxObjects: positiveInt,
  latents: z.boolean().optional(),
  init: z.string().optional(),
  encoderConfig: part.optional(),
});

export const PRETRAIN_RUN_CONFIG = z.object({
  command: z.literal('pretrain'),
  data: z.string(),
  model: part,
  variant: z.enum(ABLATION_VARIANTS as [AblationVariant, ...AblationVariant[]]),
  training: z.object({
    lr: z.number().positive(),
    warmupSteps: z.number().int().min(0),
    totalSteps: positiveInt,
    weightDecay: z.number().min(0),
    clipNorm: z.number().min(0),
  }),
  batch: positiveInt,
  seed: z.number().int(),
  maxObjects: positiveInt,
});

const trainingSection = z.looseObject({
  lr: z.number().positive(),
  totalSteps: positiveInt,
});

/** A config the command that wrote it can read back: the sections every such run has. */
function commandRunConfig(command: string) {
  return z.looseObject({
    command: z.literal(command),
    data: z.string(),
    model: part,
    training: trainingSection,
    batch: positiveInt,
    seed: z.number().int(),
    imageSize: positiveInt,
  });
}

export const AUTOENCODER_RUN_CONFIG = commandRunConfig('train-autoencoder');
export const ORACLE_RUN_CONFIG = commandRunConfig('eval train-oracle');

/**
 * A `train-autoencoder` or `eval train-oracle` run's config.json, checked against the schema of
 * that command; typed as the config the command writes (`fresh`), whose part configs the
 * models check in full.
 */
export function parseCommandRunConfig<T extends { command: string }>(
  fresh: T,
  config: unknown,
  where: string,
): T {
  const schema = fresh.command === 'train-autoencoder' ? AUTOENCODER_RUN_CONFIG : ORACLE_RUN_CONFIG;
  return parse<T>(schema, config, where);
}

function parse<T>(schema: z.ZodType, config: unknown, where: string): T {
  const r = schema.safeParse(config);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new UserError(`${where}: not a valid run config: ${problems.join('; ')}`);
  }
  // The part configs passed as objects; their classes check them in full.
  return r.data as T;
}

/** A `train` run's config.json, parsed. */
export const parseTrainRunConfig = (config: unknown, where: string): TrainRunConfig =>
  parse<TrainRunConfig>(TRAIN_RUN_CONFIG, config, where);

/** A `pretrain` run's config.json, parsed. */
export const parsePretrainRunConfig = (config: unknown, where: string): PretrainRunConfig =>
  parse<PretrainRunConfig>(PRETRAIN_RUN_CONFIG, config, where);
