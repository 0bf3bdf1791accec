import { withInitSeed } from '@sgdiff/nn';
import { join } from 'node:path';
import { readManifest } from '@sgdiff/datasets/node';
import { fixedBatch, trainingLoader, nextTrainingBatch } from '../training/data.js';
import {
  AUTOENCODER_PRESETS,
  AutoencoderTrainer,
  DEFAULT_AUTOENCODER_TRAINING,
  downsamplingFactor,
  type AutoencoderConfig,
  type AutoencoderPreset,
  type AutoencoderTrainConfig,
} from '@sgdiff/diffusion';
import { saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { stepSeed } from '../training/seeds.js';
import { parseCommandRunConfig } from '../training/run-configs.js';
import {
  addRunOptions,
  type RunFlags,
  positiveInt,
  positiveNumber,
  startBackend,
  timeLimitSeconds,
  resumeRequest,
} from '../options.js';
import { openCommandRun, runInputs, withStepsAndLr } from '../training/run-folder.js';
import { restoreTraining } from '../training/restore.js';
import { trainLoop } from '../training/train-loop.js';
import { encodeLatents } from '../training/latents.js';

interface Flags extends RunFlags {
  data?: string;
  out: string;
  preset: AutoencoderPreset;
  steps?: number;
  batch: number;
  lr?: number;
  valEvery: number;
  valImages: number;
  encodeLatents?: boolean;
}

export function registerTrainAutoencoder(program: Command): void {
  addRunOptions(
    program
      .command('train-autoencoder')
      .description(
        'train the latent autoencoder (KL, latent-diffusion style) on a prepared dataset',
      )
      .option(
        '--data <dir>',
        'dataset folder (sgdiff data synth / prepare) (a resumed run reads it from its config)',
      )
      .requiredOption('--out <dir>', 'training run folder')
      .addOption(
        new Option('--preset <name>', 'autoencoder shape')
          .choices(Object.keys(AUTOENCODER_PRESETS))
          .default('f4-small'),
      )
      .option(
        '--steps <n>',
        `total optimiser steps (default ${DEFAULT_AUTOENCODER_TRAINING.totalSteps})`,
        positiveInt,
      )
      .option('--batch <n>', 'batch size', positiveInt, 16)
      .option(
        '--lr <x>',
        `peak learning rate (default ${DEFAULT_AUTOENCODER_TRAINING.lr})`,
        positiveNumber,
      )
      .option('--val-every <n>', 'steps between validation PSNR measurements', positiveInt, 250)
      .option('--val-images <n>', 'validation images for PSNR', positiveInt, 64)
      .option(
        '--encode-latents',
        'when training ends, write the train split’s latent moments (both flips) to <out>/latents for `train --latents`',
      ),
  ).action(async (flags: Flags, cmd: Command) => {
    const [data] = await runInputs(flags.out, flags.resume, [
      { flag: '--data', value: flags.data, key: 'data' },
    ]);
    const manifest = await readManifest(data);
    const size = manifest.image.size;
    const fresh = {
      command: 'train-autoencoder',
      data,
      preset: flags.preset,
      model: AUTOENCODER_PRESETS[flags.preset],
      training: withStepsAndLr(DEFAULT_AUTOENCODER_TRAINING, flags),
      batch: flags.batch,
      seed: flags.seed,
      imageSize: size,
    };
    const { run, resumeFrom, cfg } = await openCommandRun(
      flags.out,
      fresh,
      flags,
      resumeRequest(cmd),
      (c, w) => parseCommandRunConfig(fresh, c, w),
    );
    const model: AutoencoderConfig = cfg.model;
    if (size % downsamplingFactor(model) !== 0) {
      throw new UserError(
        `image size ${size} does not divide by the autoencoder's factor ${downsamplingFactor(model)}`,
      );
    }
    await startBackend(flags);

    const trainer = withInitSeed(
      cfg.seed,
      () => new AutoencoderTrainer(model, cfg.training as AutoencoderTrainConfig),
    );
    const startStep = await restoreTraining(
      resumeFrom,
      { autoencoder: trainer.model },
      trainer.optimizer,
    );
    const loader = await trainingLoader({
      dir: cfg.data,
      batch: cfg.batch,
      seed: cfg.seed,
      resumeFrom: resumeFrom?.state.data,
    });
    const val = await fixedBatch(cfg.data, 'val', flags.valImages);

    const saveParts = async (dir: string) => {
      await saveCheckpoint(join(dir, 'autoencoder'), trainer.model, {
        kind: 'autoencoder',
        config: trainer.config,
      });
      await saveOptimizerState(dir, trainer.optimizer);
    };
    const result = await trainLoop({
      run,
      clipNorm: (cfg.training as AutoencoderTrainConfig).clipNorm,
      label: 'train-autoencoder',
      startStep,
      resumedFrom: resumeFrom?.dir,
      timeLimitSeconds: timeLimitSeconds(flags.timeLimit),
      totalSteps: cfg.training.totalSteps,
      checkpointEvery: run.checkpointEvery ?? flags.checkpointEvery,
      step: async (step) => {
        const batch = await nextTrainingBatch(loader, cfg.data, cfg.batch);
        const r = await trainer.step(batch.images, cfg.batch, size, stepSeed(cfg.seed, step));
        return { loss: r.loss, rec: r.rec, gradNorm: r.gradNorm, lr: r.lr };
      },
      validateEvery: val ? flags.valEvery : undefined,
      validate: async () => ({
        psnr: (await trainer.evaluate(val!.images, val!.graphs.length, size)).psnr,
      }),
      save: async (dir, step) => {
        await saveParts(dir);
        return { step, seed: cfg.seed, data: loader.position() };
      },
    });
    if (val) {
      const { psnr } = await trainer.evaluate(val.images, val.graphs.length, size);
      const scale = trainer.latentScale(val.images, val.graphs.length, size);
      await run.appendMetrics({ step: result.step, split: 'val', psnr, latentScale: scale });
      console.log(
        `val PSNR ${psnr.toFixed(2)} dB over ${val.graphs.length} images; latent scale ${scale.toFixed(4)}`,
      );
    }
    console.log(
      `${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; checkpoint ${result.lastCheckpoint ?? '(none)'}`,
    );
    if (flags.encodeLatents && !result.interrupted) {
      if (!result.lastCheckpoint)
        throw new UserError('--encode-latents: the run has no checkpoint to encode with');
      const { records, bytes, dir } = await encodeLatents({
        runDir: flags.out,
        checkpointDir: result.lastCheckpoint,
        data: cfg.data,
        autoencoder: trainer.model,
        size,
      });
      console.log(
        `latents of ${records} train images (both flips, ${(bytes / 2 ** 20).toFixed(1)} MiB) in ${dir}`,
      );
    }
  });
}
