import type { ThreadsChoice } from '@sgdiff/nn/node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '@sgdiff/datasets/node';
import {
  Denoiser,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  SAMPLER_NAMES,
  type ModelManifest,
  type SamplerName,
} from '@sgdiff/diffusion';
import { writeModelDirectory } from '@sgdiff/diffusion/node';
import { SceneGraphEncoder, type EncoderConfig } from '@sgdiff/encoder';
import { parseLayoutPrior, SYNTHETIC_LAYOUT_PRIOR, type LayoutPrior } from '@sgdiff/scene-graph';
import { Option, type Command } from 'commander';
import type { BackendChoice } from '@sgdiff/nn';
import {
  backendOption,
  threadsOption,
  lateGuidance,
  nonNegativeNumber,
  positiveInt,
  startBackend,
} from '../options.js';
import { UserError } from '../errors.js';
import { parseTrainRunConfig } from '../training/run-configs.js';
import { latestCheckpointOf, loadModuleFromCheckpoint } from '../model-parts.js';
import { RunFolder } from '../training/run-folder.js';
import { loadFrozenParts } from '../training/frozen-parts.js';

interface Flags {
  run: string;
  out: string;
  fp16?: boolean;
  steps: number;
  guidance: number;
  lateGuidance?: { scale: number; below: number };
  sampler: SamplerName;
  layoutPrior?: string;
  backend: BackendChoice;
  threads?: ThreadsChoice;
}

/** `--layout-prior`: `synthetic` for the built-in prior, else a JSON file holding one. */
function readLayoutPrior(spec: string): LayoutPrior {
  if (spec === 'synthetic') return SYNTHETIC_LAYOUT_PRIOR;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new UserError(`--layout-prior ${spec}: ${(e as Error).message}`);
  }
  const { prior, issues } = parseLayoutPrior(json);
  if (!prior) throw new UserError(`--layout-prior ${spec}: ${issues}`);
  return prior;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a model directory (sgdiff.json + encoder/, autoencoder/, unet/ with EMA weights) from a train run',
    )
    .requiredOption('--run <dir>', 'train run folder')
    .requiredOption(
      '--out <dir>',
      'model directory to write (replaced atomically; other files in it, such as a TRAINING.md, are kept)',
    )
    .option('--fp16', 'store weights as float16: half the size; loaders widen them to float32')
    .option('--steps <n>', 'default sampling steps', positiveInt, 50)
    .option('--guidance <g>', 'default guidance scale', nonNegativeNumber, 2)
    .option(
      '--late-guidance <g@t>',
      'default guidance g at timesteps below t (it goes with the default --guidance: a user who sets a guidance scale gets that scale throughout)',
      lateGuidance,
    )
    .addOption(
      new Option('--sampler <name>', 'default sampler').choices(SAMPLER_NAMES).default('ddim'),
    )
    .option(
      '--layout-prior <file>',
      "layout prior of a model with layout input, in place of the run's: a JSON file, or `synthetic` for the built-in one (the prior is only read when sampling, so a better one needs no retraining)",
    )
    .addOption(backendOption().default('cpu'))
    .addOption(threadsOption())
    .action(async (flags: Flags) => {
      await startBackend(flags);
      const { run } = await RunFolder.existing(flags.run);
      if (run.config.command !== 'train')
        throw new UserError(
          `${flags.run} is a ${String(run.config.command)} run; export takes a train run`,
        );
      const cfg = parseTrainRunConfig(run.config, join(flags.run, 'config.json'));
      if (flags.layoutPrior !== undefined && !cfg.denoiser.layout)
        throw new UserError(
          `--layout-prior: ${flags.run} trained a model without layout input (train --layout)`,
        );
      const prior =
        flags.layoutPrior === undefined ? undefined : readLayoutPrior(flags.layoutPrior);
      // The same replacement in the UNet checkpoint's config and in sgdiff.json.
      const withPrior = (c: Denoiser['config']): Denoiser['config'] =>
        prior && c.layout ? { ...c, layout: { ...c.layout, prior } } : c;
      const checkpoint = await latestCheckpointOf(flags.run, '--run');
      const dataset = await readManifest(cfg.data);
      const frozen = await loadFrozenParts(cfg);
      // A run that trained its encoder exports the encoder's EMA weights, as it does the UNet's.
      if (cfg.training.trainEncoder) {
        frozen.encoder.dispose();
        frozen.encoder = (
          await loadModuleFromCheckpoint(
            join(checkpoint, 'encoder-ema'),
            (c: EncoderConfig) => new SceneGraphEncoder(c),
            'encoder EMA weights',
          )
        ).module;
      }
      const ema = await loadModuleFromCheckpoint(
        join(checkpoint, 'ema'),
        (c: Denoiser['config']) => new Denoiser(withPrior(c)),
        'EMA weights',
      );
      const manifest: ModelManifest = {
        format: MODEL_FORMAT,
        formatVersion: MODEL_FORMAT_VERSION,
        vocabulary: dataset.vocab,
        imageSize: cfg.imageSize,
        latentShape: [
          cfg.imageSize / 2 ** (frozen.autoencoder.config.channelMult.length - 1),
          cfg.imageSize / 2 ** (frozen.autoencoder.config.channelMult.length - 1),
          frozen.autoencoder.config.latentChannels,
        ],
        latentScale: cfg.latentScale,
        maxObjects: cfg.maxObjects,
        schedule: cfg.schedule,
        defaults: {
          sampler: flags.sampler,
          steps: flags.steps,
          guidance: flags.guidance,
          ...(flags.lateGuidance ? { lateGuidance: flags.lateGuidance } : {}),
          eta: 0,
        },
        parts: {
          encoder: { path: 'encoder', config: { ...frozen.encoder.config } },
          autoencoder: { path: 'autoencoder', config: { ...frozen.autoencoder.config } },
          unet: { path: 'unet', config: { ...withPrior(cfg.denoiser) } },
        },
        versions: {},
        provenance: {
          trainRun: flags.run,
          checkpoint,
          encoderCheckpoint: cfg.training.trainEncoder
            ? join(checkpoint, 'encoder-ema')
            : cfg.encoderCheckpoint,
          autoencoderCheckpoint: cfg.autoencoderCheckpoint,
          dataset: dataset.dataset,
        },
      };
      await writeModelDirectory(
        flags.out,
        manifest,
        { encoder: frozen.encoder, autoencoder: frozen.autoencoder, unet: ema.module },
        { float16: flags.fp16 === true },
      );
      console.log(`wrote ${flags.out} from ${checkpoint}${flags.fp16 ? ' (float16 weights)' : ''}`);
    });
}
