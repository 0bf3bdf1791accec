import type { Vocabulary } from '@sgdiff/scene-graph';
import { encoderConfig, type EncoderConfig, type EncoderPreset } from '../model/config.js';
import { DEFAULT_TEMPERATURE, type TemperatureConfig } from './contrastive.js';
import { DEFAULT_MASKING, type MaskingConfig } from './masking.js';
import type { ImageHead } from './image-encoder.js';
import type { PerturbationKind } from './perturb.js';

/** Masked-contrastive pre-training: the encoder plus the heads only pre-training needs. Plain data. */
export interface PretrainConfig {
  encoder: EncoderConfig;
  /** Training images are imageSize × imageSize RGB. */
  imageSize: number;
  contrastive: {
    enabled: boolean;
    /** Channels of the contrastive image tower's stride-2 stages. */
    imageChannels: number[];
    /** The image tower's head (absent: `linear`, as checkpoints saved before the option). */
    imageHead?: ImageHead;
    temperature: TemperatureConfig;
    /** One hard negative per kind and graph (empty: in-batch negatives only, as SGDiff's code). */
    hardNegatives: PerturbationKind[];
    /** Each hard negative counts as this many negatives in the softmax (absent: 1). */
    hardNegativeWeight?: number;
  };
  masked: {
    enabled: boolean;
    masking: MaskingConfig;
    /** Pixel targets at imageSize / reduce. */
    reduce: number;
    /** Each decoder query predicts patch × patch target pixels (MAE), cutting the query count by patch². */
    patch: number;
    dim: number;
    heads: number;
    layers: number;
  };
  /** loss = contrastive + lambda · masked (SGDiff: 1). */
  lambda: number;
}

type Heads = Omit<PretrainConfig, 'encoder'>;

const HARD: PerturbationKind[] = ['swap', 'invert', 'relabel'];

export const PRETRAIN_PRESETS: Record<EncoderPreset, Heads> = {
  synthetic: {
    imageSize: 64,
    contrastive: {
      enabled: true,
      imageChannels: [32, 64, 128, 128],
      temperature: DEFAULT_TEMPERATURE,
      hardNegatives: HARD,
    },
    masked: {
      enabled: true,
      masking: DEFAULT_MASKING,
      reduce: 4,
      patch: 2,
      dim: 128,
      heads: 4,
      layers: 2,
    },
    lambda: 1,
  },
  sgdiff: {
    imageSize: 256,
    contrastive: {
      enabled: true,
      imageChannels: [64, 128, 256, 256, 512],
      temperature: DEFAULT_TEMPERATURE,
      hardNegatives: HARD,
    },
    masked: {
      enabled: true,
      masking: DEFAULT_MASKING,
      reduce: 8,
      patch: 2,
      dim: 512,
      heads: 8,
      layers: 4,
    },
    lambda: 1,
  },
  tiny: {
    imageSize: 16,
    contrastive: {
      enabled: true,
      imageChannels: [8, 16],
      temperature: DEFAULT_TEMPERATURE,
      hardNegatives: HARD,
    },
    masked: {
      enabled: true,
      masking: DEFAULT_MASKING,
      reduce: 2,
      patch: 2,
      dim: 16,
      heads: 2,
      layers: 1,
    },
    lambda: 1,
  },
};

export function pretrainConfig(
  vocab: Pick<Vocabulary, 'numObjects' | 'numPredicates' | 'inImageIndex'>,
  preset: EncoderPreset = 'synthetic',
  encoderOverrides: Partial<EncoderConfig> = {},
): PretrainConfig {
  return {
    encoder: encoderConfig(vocab, preset, encoderOverrides),
    ...structuredClone(PRETRAIN_PRESETS[preset]),
  };
}

/** The variants of the ablation table. */
export type AblationVariant = 'contrastive' | 'masked' | 'both' | 'both+hard' | 'bag-of-objects';

export const ABLATION_VARIANTS: readonly AblationVariant[] = [
  'contrastive',
  'masked',
  'both',
  'both+hard',
  'bag-of-objects',
];

/** `config` changed into one ablation variant. 'bag-of-objects' keeps both losses and hard negatives but drops edges. */
export function ablationConfig(config: PretrainConfig, variant: AblationVariant): PretrainConfig {
  const c = structuredClone(config);
  c.contrastive.enabled = variant !== 'masked';
  c.masked.enabled = variant !== 'contrastive';
  if (variant !== 'both+hard' && variant !== 'bag-of-objects') c.contrastive.hardNegatives = [];
  if (variant === 'bag-of-objects') c.encoder.useRelations = false;
  return c;
}
