import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SYNTHETIC_LAYOUT_PRIOR } from '@sgdiff/scene-graph';
import { readManifest } from '@sgdiff/datasets/node';
import {
  DEFAULT_LDM_TRAINING,
  denoiserConfig,
  estimateLatentScale,
  withLabelTokens,
  withLayoutInput,
  MODEL_MANIFEST,
  scheduleConfig,
  tokenStats,
  type AutoencoderConfig,
  type DenoiserConfig,
  type LatentDiffusionTrainConfig,
  type ScheduleConfig,
  type UNetPreset,
} from '@sgdiff/diffusion';
import { encoderConfig, type EncoderConfig } from '@sgdiff/encoder';
import { Vocabulary, type VocabularyJson } from '@sgdiff/scene-graph';
import { tf } from '@sgdiff/nn';
import { UserError } from '../errors.js';
import {
  checkPartFolder,
  frozenPartSource,
  readCheckpoint,
  readModelManifest,
} from '../model-parts.js';
import type { RunFlags } from '../options.js';
import { fixedBatch } from './data.js';
import { loadFrozenParts, RANDOM_ENCODER } from './frozen-parts.js';

// `sgdiff train`'s run config: what a fresh run decides from its flags and inputs, saved in the
// run folder and read back on --resume.

export const CONTEXT_NORMS = ['layer', 'standardize', 'none'] as const;
export type ContextNorm = (typeof CONTEXT_NORMS)[number];

/** Objects per graph that the denoiser's context holds. */
const MAX_OBJECTS = 8;
/** Graphs whose encoder tokens give the statistics of `--context-norm standardize`. */
const TOKEN_STATS_GRAPHS = 512;

export interface TrainFlags extends RunFlags {
  data?: string;
  encoder?: string;
  autoencoder?: string;
  out: string;
  preset: UNetPreset;
  steps?: number;
  batch: number;
  lr?: number;
  condDropout?: number;
  valEvery: number;
  latents?: boolean;
  globalEmbedding?: boolean;
  attentionLevels?: number[];
  contextNorm: ContextNorm;
  minSnr?: number;
  init?: string;
  labelTokens?: boolean;
  labelLrScale?: number;
  layout?: boolean;
  layoutLrScale?: number;
  trainEncoder?: boolean;
  encoderLrScale?: number;
  encoderLike?: string;
}

export interface TrainRunConfig {
  command: 'train';
  data: string;
  encoderRun: string;
  autoencoderRun: string;
  encoderCheckpoint: string;
  autoencoderCheckpoint: string;
  preset: UNetPreset;
  denoiser: DenoiserConfig;
  schedule: ScheduleConfig;
  training: LatentDiffusionTrainConfig;
  latentScale: number;
  batch: number;
  seed: number;
  imageSize: number;
  maxObjects: number;
  /** Posterior moments come from the autoencoder run's latent cache. */
  latents?: boolean;
  /** The run started from this model directory's denoiser weights (`--init`). */
  init?: string;
  /** `--encoder random`: the config of the freshly initialised encoder. */
  encoderConfig?: EncoderConfig;
}

/**
 * `--init MODEL_DIR`: the denoiser config, schedule and latent scale of an exported model, whose
 * weights the run starts from. Checked against the frozen parts it will be trained with.
 */
export async function initSource(
  dir: string,
  encoder: EncoderConfig,
  autoencoder: AutoencoderConfig,
): Promise<{ denoiser: DenoiserConfig; schedule: ScheduleConfig; latentScale: number }> {
  const m = await readModelManifest(dir, '--init');
  if (!m) throw new UserError(`--init: ${dir} is not a model directory (no ${MODEL_MANIFEST})`);
  checkPartFolder(dir, m, 'unet', '--init');
  const denoiser = m.parts.unet.config;
  const mismatch = [
    denoiser.context.localDim !== encoder.tokenDim &&
      `context width ${denoiser.context.localDim} vs the encoder's token width ${encoder.tokenDim}`,
    denoiser.context.numLocalTokens !== encoder.tokens &&
      `${denoiser.context.numLocalTokens} local tokens vs the encoder's ${encoder.tokens}`,
    denoiser.context.labelDim !== undefined &&
      denoiser.context.labelDim !== 3 * encoder.dim &&
      `label tokens of width ${denoiser.context.labelDim} vs the encoder's ${3 * encoder.dim}`,
    denoiser.unet.inChannels !== autoencoder.latentChannels &&
      `${denoiser.unet.inChannels} latent channels vs the autoencoder's ${autoencoder.latentChannels}`,
  ].filter(Boolean);
  if (mismatch.length)
    throw new UserError(
      `--init: ${dir}'s denoiser does not fit --encoder/--autoencoder: ${mismatch.join('; ')}`,
    );
  return { denoiser, schedule: m.schedule, latentScale: m.latentScale };
}

export type FrozenParts = Awaited<ReturnType<typeof loadFrozenParts>>;

/**
 * The config of a random encoder: the `synthetic` preset on the dataset's vocabulary, or, with
 * `--encoder-like`, the config of that run's or model's encoder (so an ablation arm differs from
 * the others in its weights alone).
 */
async function randomEncoderConfig(
  vocab: VocabularyJson,
  like: string | undefined,
): Promise<EncoderConfig> {
  if (like === undefined) return encoderConfig(Vocabulary.fromJSON(vocab), 'synthetic');
  const source = await frozenPartSource(like, 'encoder', '--encoder-like');
  const ckpt = await readCheckpoint(join(source, 'encoder'), '--encoder-like');
  ckpt.dispose();
  const config = ckpt.meta.config as EncoderConfig | undefined;
  if (!config) throw new UserError(`--encoder-like: ${source}/encoder has no saved config`);
  if (config.numObjects !== vocab.object_idx_to_name.length)
    throw new UserError(
      `--encoder-like: ${like}'s encoder has ${config.numObjects} object classes, the dataset ${vocab.object_idx_to_name.length}`,
    );
  return config;
}

/** A fresh run's config from its flags, with the frozen parts it loaded on the way. */
export async function newTrainRunConfig(
  flags: TrainFlags,
  data: string,
  encoderRun: string,
  autoencoderRun: string,
): Promise<{ cfg: TrainRunConfig; frozen: FrozenParts }> {
  const manifest = await readManifest(data);
  if (flags.latents && existsSync(join(autoencoderRun, MODEL_MANIFEST)))
    throw new UserError(
      '--latents reads the latent cache of a train-autoencoder run; --autoencoder is a model directory',
    );
  const random = encoderRun === RANDOM_ENCODER;
  if (random && !flags.trainEncoder)
    throw new UserError(
      '--encoder random needs --train-encoder (a random encoder left frozen carries no graph)',
    );
  if (flags.encoderLike !== undefined && !random)
    throw new UserError('--encoder-like: only with --encoder random');
  if (flags.encoderLrScale !== undefined && !flags.trainEncoder)
    throw new UserError('--encoder-lr-scale: the encoder is frozen (add --train-encoder)');
  const encoderCheckpoint = random
    ? RANDOM_ENCODER
    : await frozenPartSource(encoderRun, 'encoder', '--encoder');
  const autoencoderCheckpoint = await frozenPartSource(
    autoencoderRun,
    'autoencoder',
    '--autoencoder',
  );
  const randomConfig = random
    ? await randomEncoderConfig(manifest.vocab, flags.encoderLike)
    : undefined;
  const frozen = await loadFrozenParts({
    encoderCheckpoint,
    autoencoderCheckpoint,
    encoderConfig: randomConfig,
    seed: flags.seed,
  });
  const enc = frozen.encoder.config;
  const init =
    flags.init !== undefined
      ? await initSource(flags.init, enc, frozen.autoencoder.config)
      : undefined;
  const vocabSize = manifest.vocab.object_idx_to_name.length;
  if (enc.numObjects !== vocabSize) {
    throw new UserError(
      `--encoder was trained on ${enc.numObjects} object classes, the dataset has ${vocabSize}`,
    );
  }
  let denoiser: DenoiserConfig;
  if (init) {
    denoiser = init.denoiser; // --init takes the model's own levels: the flag is not checked
  } else {
    try {
      denoiser = denoiserConfig({
        preset: flags.preset,
        latentChannels: frozen.autoencoder.config.latentChannels,
        encoder: enc,
        globalEmbedding: flags.globalEmbedding,
        attentionLevels: flags.attentionLevels,
        normalizeContext: flags.contextNorm === 'layer',
      });
    } catch (e) {
      if (e instanceof RangeError)
        throw new UserError(e.message.replace(/^attention levels/, '--attention-levels'));
      throw e;
    }
  }
  if (flags.labelTokens) denoiser = withLabelTokens(denoiser, enc.dim);
  if (flags.layout && !denoiser.layout) {
    if (manifest.dataset !== 'synthetic')
      throw new UserError(
        `--layout: only the synthetic dataset has a layout prior so far (${data} is ${manifest.dataset})`,
      );
    denoiser = withLayoutInput(denoiser, vocabSize, SYNTHETIC_LAYOUT_PRIOR);
  }
  if (flags.layoutLrScale !== undefined && !denoiser.layout)
    throw new UserError(
      '--layout-lr-scale: the model has no layout input (add --layout, or --init a model with it)',
    );
  if (flags.labelLrScale !== undefined && denoiser.context.labelDim === undefined)
    throw new UserError(
      '--label-lr-scale: the model has no label tokens (add --label-tokens, or --init a model with them)',
    );
  // latent-diffusion's scale factor, from a batch of training images.
  const probe = await fixedBatch(data, 'train', 32);
  if (!probe) throw new UserError(`${data}: the train split is empty`);
  if (!init && flags.contextNorm === 'standardize') {
    const graphs = await fixedBatch(data, 'train', TOKEN_STATS_GRAPHS, MAX_OBJECTS);
    const tokens = frozen.encoder.forward(graphs!.packed);
    denoiser.context.standardize = tokenStats(tokens);
    tf.dispose([tokens.local, tokens.localMask, tokens.global]);
  }
  // --init keeps the scale its denoiser was trained with.
  const latentScale =
    init?.latentScale ??
    (await estimateLatentScale(
      frozen.autoencoder,
      probe.images,
      probe.graphs.length,
      manifest.image.size,
    ));
  const cfg: TrainRunConfig = {
    command: 'train',
    data,
    encoderRun,
    autoencoderRun,
    encoderCheckpoint,
    autoencoderCheckpoint,
    preset: flags.preset,
    denoiser,
    schedule: init?.schedule ?? scheduleConfig(),
    training: {
      ...DEFAULT_LDM_TRAINING,
      ...(flags.steps ? { totalSteps: flags.steps } : {}),
      ...(flags.lr ? { lr: flags.lr } : {}),
      ...(flags.condDropout !== undefined ? { condDropout: flags.condDropout } : {}),
      ...(flags.minSnr ? { minSnrGamma: flags.minSnr } : {}),
      ...(flags.labelLrScale !== undefined ? { labelLrScale: flags.labelLrScale } : {}),
      ...(flags.layoutLrScale !== undefined ? { layoutLrScale: flags.layoutLrScale } : {}),
      ...(flags.trainEncoder ? { trainEncoder: true } : {}),
      ...(flags.encoderLrScale !== undefined ? { encoderLrScale: flags.encoderLrScale } : {}),
    },
    latentScale,
    batch: flags.batch,
    seed: flags.seed,
    imageSize: manifest.image.size,
    maxObjects: MAX_OBJECTS,
    latents: flags.latents === true,
    ...(flags.init !== undefined ? { init: flags.init } : {}),
    ...(randomConfig ? { encoderConfig: randomConfig } : {}),
  };
  return { cfg, frozen };
}
