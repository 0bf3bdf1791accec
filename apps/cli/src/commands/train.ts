import { join } from 'node:path';
import { DEFAULT_LDM_TRAINING, UNET_PRESETS } from '@sgdiff/diffusion';
import { Option, type Command } from 'commander';
import {
  addRunOptions,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  startBackend,
  resumeRequest,
} from '../options.js';
import { parseTrainRunConfig } from '../training/run-configs.js';
import { RunFolder, runInputs } from '../training/run-folder.js';
import { loadFrozenParts, RANDOM_ENCODER } from '../training/frozen-parts.js';
import { CONTEXT_NORMS, newTrainRunConfig, type TrainFlags } from '../training/train-config.js';
import { runDiffusionTraining } from '../training/train-run.js';

export { initSource, type TrainRunConfig } from '../training/train-config.js';

/** `--attention-levels 0,1,2`: distinct non-negative integers, in increasing order. */
function levelList(value: string): number[] {
  const levels = value.split(',').map((v) => nonNegativeInt(v.trim()));
  return [...new Set(levels)].sort((a, b) => a - b);
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
        "pretrain run folder (its latest checkpoint is used), a model directory, or 'random' (with --train-encoder); a resumed run reads it from its config",
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
        '--train-encoder',
        "also train the scene-graph encoder, by the diffusion loss (with --encoder random: the ablation's arm without pre-training); it is saved with each checkpoint and exported from its EMA",
      )
      .option(
        '--encoder-lr-scale <k>',
        'learning-rate multiplier for the encoder alone (needs --train-encoder; default 1)',
        positiveNumber,
      )
      .option(
        '--encoder-like <run>',
        "with --encoder random: take the encoder's config (not its weights) from this pretrain run or model directory (default: the synthetic preset)",
      )
      .option(
        '--init <model>',
        "start from a model directory's denoiser weights (fine-tuning; a fresh optimiser): its UNet config, schedule and latent scale win over --preset, --attention-levels, --global-embedding and --context-norm",
      ),
  ).action(async (flags: TrainFlags, cmd: Command) => {
    const [data, encoderRun, autoencoderRun] = await runInputs(flags.out, flags.resume, [
      { flag: '--data', value: flags.data, key: 'data' },
      { flag: '--encoder', value: flags.encoder, key: 'encoderRun', literals: [RANDOM_ENCODER] },
      { flag: '--autoencoder', value: flags.autoencoder, key: 'autoencoderRun' },
    ]);
    await startBackend(flags);
    if (!flags.resume) {
      const fresh = await newTrainRunConfig(flags, data, encoderRun, autoencoderRun);
      return runDiffusionTraining({ flags, ...fresh });
    }
    const { run, resumeFrom } = await RunFolder.open(
      flags.out,
      {},
      { resume: true, ...resumeRequest(cmd) },
    );
    const cfg = parseTrainRunConfig(run.config, join(flags.out, 'config.json'));
    await runDiffusionTraining({ flags, cfg, frozen: await loadFrozenParts(cfg), run, resumeFrom });
  });
}
