import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SYNTHETIC_LAYOUT_PRIOR } from '@sgdiff/scene-graph';
import { readManifest } from '@sgdiff/datasets/node';
import { fixedBatch, trainingLoader, nextTrainingBatch } from '../training/data.js';
import {
  DEFAULT_LDM_TRAINING,
  denoiserConfig,
  estimateLatentScale,
  withLabelTokens,
  withLayoutInput,
  LatentDiffusionTrainer,
  MODEL_MANIFEST,
  UNET_PRESETS,
  scheduleConfig,
  tokenStats,
  type AutoencoderConfig,
  type DenoiserConfig,
  type LatentDiffusionTrainConfig,
  type ScheduleConfig,
  type UNetPreset,
} from '@sgdiff/diffusion';
import type { EncoderConfig } from '@sgdiff/encoder';
import { tf } from '@sgdiff/nn';
import { saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { parseTrainRunConfig } from '../training/run-configs.js';
import {
  checkPartFolder,
  frozenPartSource,
  readCheckpoint,
  readModelManifest,
} from '../model-parts.js';
import {
  addRunOptions,
  nonNegativeInt,
  type RunFlags,
  positiveInt,
  positiveNumber,
  startBackend,
  timeLimitSeconds,
} from '../options.js';
import { RunFolder, runInputs } from '../training/run-folder.js';
import { restoreTraining } from '../training/restore.js';
import { trainLoop } from '../training/train-loop.js';
import { stepSeed } from '../training/seeds.js';
import { loadFrozenParts } from '../training/frozen-parts.js';
import { openLatentCache } from '../training/latents.js';

const CONTEXT_NORMS = ['layer', 'standardize', 'none'] as const;
type ContextNorm = (typeof CONTEXT_NORMS)[number];

/** Objects per graph that the denoiser's context holds. */
const MAX_OBJECTS = 8;
/** Graphs whose encoder tokens give the statistics of `--context-norm standardize`. */
const TOKEN_STATS_GRAPHS = 512;

/** `--attention-levels 0,1,2`: distinct non-negative integers, in increasing order. */
function levelList(value: string): number[] {
  const levels = value.split(',').map((v) => nonNegativeInt(v.trim()));
  return [...new Set(levels)].sort((a, b) => a - b);
}

interface Flags extends RunFlags {
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

export function registerTrain(program: Command): void {
  addRunOptions(
    program
      .command('train')
      .description(
        'train the graph-conditioned latent diffusion model (encoder and autoencoder frozen)',
      )
      .option('--data <dir>', 'dataset folder (a resumed run reads it from its config)')
      .option(
        '--encoder <run>',
        'pretrain run folder (its latest checkpoint is used), or a model directory (a resumed run reads it from its config)',
      )
      .option(
        '--autoencoder <run>',
        'train-autoencoder run folder (its latest checkpoint is used), or a model directory (a resumed run reads it from its config)',
      )
      .requiredOption('--out <dir>', 'training run folder')
      .addOption(
        new Option('--preset <name>', 'UNet shape')
          .choices(Object.keys(UNET_PRESETS))
          .default('synthetic-64'),
      )
      .option(
        '--steps <n>',
        `total optimiser steps (default ${DEFAULT_LDM_TRAINING.totalSteps})`,
        positiveInt,
      )
      .option('--batch <n>', 'batch size', positiveInt, 16)
      .option('--lr <x>', `peak learning rate (default ${DEFAULT_LDM_TRAINING.lr})`, positiveNumber)
      .option(
        '--cond-dropout <p>',
        `null-graph probability for guidance (default ${DEFAULT_LDM_TRAINING.condDropout})`,
        Number,
      )
      .option('--val-every <n>', 'steps between validation losses', positiveInt, 250)
      .option(
        '--min-snr <gamma>',
        'min-SNR-γ loss weighting (e.g. 5): low-noise steps weigh less (default: uniform, as LDM)',
        positiveNumber,
      )
      .option(
        '--attention-levels <list>',
        "UNet levels with spatial transformers, comma separated, 0 = full latent resolution (default: the preset's)",
        levelList,
      )
      .addOption(
        new Option(
          '--context-norm <mode>',
          'how graph tokens are scaled before the UNet: a LayerNorm after the projection, per-channel standardisation by training-graph statistics before it (keeps token norms), or none',
        )
          .choices(CONTEXT_NORMS)
          .default('layer'),
      )
      .option(
        '--global-embedding',
        'also add the global graph token to the timestep embedding (ADM-style; not in SGDiff)',
      )
      .option(
        '--latents',
        'read latents pre-encoded by `train-autoencoder --encode-latents` instead of encoding each batch',
      )
      .option(
        '--label-tokens',
        "also give the UNet each token's triple as the encoder's input label embeddings, through a zero-initialised projection added to the context (not in SGDiff; with --init it is added to a model without it)",
      )
      .option(
        '--label-lr-scale <k>',
        'learning-rate multiplier for the label-token projection alone (needs label tokens; default 1)',
        positiveNumber,
      )
      .option(
        '--layout',
        "also give the UNet the graph's boxes as a map of label embeddings, through a zero-initialised conv on its input (not in SGDiff; sampling draws boxes that satisfy the relations; with --init it is added to a model without it)",
      )
      .option(
        '--layout-lr-scale <k>',
        'learning-rate multiplier for the layout input alone (needs --layout or a model with it; default 1)',
        positiveNumber,
      )
      .option(
        '--init <model>',
        "start from a model directory's denoiser weights (fine-tuning; a fresh optimiser): its UNet config, schedule and latent scale win over --preset, --attention-levels, --global-embedding and --context-norm",
      ),
  ).action(async (flags: Flags) => {
    const [data, encoderRun, autoencoderRun] = await runInputs(flags.out, flags.resume, [
      { flag: '--data', value: flags.data, key: 'data' },
      { flag: '--encoder', value: flags.encoder, key: 'encoderRun' },
      { flag: '--autoencoder', value: flags.autoencoder, key: 'autoencoderRun' },
    ]);
    await startBackend(flags);
    let run: RunFolder | undefined;
    let resumeFrom: Awaited<ReturnType<typeof RunFolder.open>>['resumeFrom'];
    let cfg: TrainRunConfig;
    let frozen: Awaited<ReturnType<typeof loadFrozenParts>>;
    if (flags.resume) {
      ({ run, resumeFrom } = await RunFolder.open(
        flags.out,
        {},
        { resume: true, totalSteps: flags.steps },
      ));
      cfg = parseTrainRunConfig(run.config, join(flags.out, 'config.json'));
      frozen = await loadFrozenParts(cfg);
    } else {
      const manifest = await readManifest(data);
      if (flags.latents && existsSync(join(autoencoderRun, MODEL_MANIFEST)))
        throw new UserError(
          '--latents reads the latent cache of a train-autoencoder run; --autoencoder is a model directory',
        );
      const encoderCheckpoint = await frozenPartSource(encoderRun, 'encoder', '--encoder');
      const autoencoderCheckpoint = await frozenPartSource(
        autoencoderRun,
        'autoencoder',
        '--autoencoder',
      );
      frozen = await loadFrozenParts({ encoderCheckpoint, autoencoderCheckpoint });
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
      cfg = {
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
        },
        latentScale,
        batch: flags.batch,
        seed: flags.seed,
        imageSize: manifest.image.size,
        maxObjects: MAX_OBJECTS,
        latents: flags.latents === true,
        ...(flags.init !== undefined ? { init: flags.init } : {}),
      };
    }

    const trainer = new LatentDiffusionTrainer(
      { ...frozen, latentScale: cfg.latentScale },
      { denoiser: cfg.denoiser, diffusion: { schedule: cfg.schedule }, training: cfg.training },
    );
    // EMA warm-up continues from the updates it had (old runs saved none: their step).
    const emaUpdates = resumeFrom
      ? ((resumeFrom.state.emaUpdates as number | undefined) ?? resumeFrom.state.step)
      : 0;
    if (!resumeFrom && cfg.init) {
      const ckpt = await readCheckpoint(join(cfg.init, 'unet'), '--init');
      try {
        // --label-tokens or --layout on a model without them keep their fresh parts.
        trainer.initFrom(ckpt.weights);
      } catch (e) {
        throw new UserError(
          `--init: ${cfg.init}/unet does not fit its own config (${(e as Error).message})`,
        );
      } finally {
        ckpt.dispose();
      }
    }
    // A new run folder is made only once every input has been read and checked.
    run ??= (await RunFolder.open(flags.out, cfg)).run;
    const startStep = await restoreTraining(
      resumeFrom,
      {
        unet: trainer.denoiser,
        ema: {
          parameters: () => trainer.ema.parameters(),
          loadWeights: (w) => trainer.ema.load(w, emaUpdates),
        },
      },
      trainer.optimizer,
    );
    const loader = await trainingLoader({
      dir: cfg.data,
      batch: cfg.batch,
      seed: cfg.seed,
      maxObjects: cfg.maxObjects,
      resumeFrom: resumeFrom?.state.data,
    });
    const val = await fixedBatch(cfg.data, 'val', 64, cfg.maxObjects);
    const cache = cfg.latents
      ? await openLatentCache(cfg.autoencoderRun, cfg.autoencoderCheckpoint)
      : undefined;
    const result = await trainLoop({
      run,
      label: 'train',
      startStep,
      resumedFrom: resumeFrom?.dir,
      timeLimitSeconds: timeLimitSeconds(flags.timeLimit),
      totalSteps: cfg.training.totalSteps,
      checkpointEvery: flags.checkpointEvery,
      step: async (step) => {
        const batch = await nextTrainingBatch(loader, cfg.data, cfg.batch);
        const moments = cache && (await cache.read(batch.keys, batch.flipped));
        const r = await trainer.step(
          { ...batch, moments },
          cfg.imageSize,
          stepSeed(cfg.seed, step),
        );
        return { loss: r.loss, gradNorm: r.gradNorm, lr: r.lr };
      },
      // A fixed val batch, t and noise: the conditional ε-MSE is comparable across steps.
      validateEvery: val ? flags.valEvery : undefined,
      validate: async () => ({
        valLoss: await trainer.validationLoss(val!, cfg.imageSize, 0x5eed),
        // The same with each image given another graph: the gap is what the graph is worth.
        valLossShuffledGraphs: await trainer.validationLoss(val!, cfg.imageSize, 0x5eed, {
          shuffleGraphs: true,
        }),
      }),
      save: async (dir, step) => {
        await saveCheckpoint(join(dir, 'unet'), trainer.denoiser, {
          kind: 'denoiser',
          config: cfg.denoiser,
        });
        await saveCheckpoint(join(dir, 'ema'), trainer.ema, {
          kind: 'denoiser-ema',
          config: cfg.denoiser,
          decay: trainer.ema.decay,
        });
        await saveOptimizerState(dir, trainer.optimizer);
        return { step, seed: cfg.seed, data: loader.position(), emaUpdates: trainer.ema.updates };
      },
    });
    await cache?.close();
    console.log(
      `${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; checkpoint ${result.lastCheckpoint ?? '(none)'}`,
    );
  });
}
