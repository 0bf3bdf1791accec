import { withInitSeed } from '@sgdiff/nn';
import { join } from 'node:path';
import { readManifest } from '@sgdiff/datasets/node';
import { LatentDiffusionTrainer } from '@sgdiff/diffusion';
import { saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { UserError } from '../errors.js';
import { readCheckpoint } from '../model-parts.js';
import { timeLimitSeconds } from '../options.js';
import { fixedBatch, nextTrainingBatch, trainingLoader } from './data.js';
import { openLatentCache } from './latents.js';
import { restoreTraining } from './restore.js';
import { RunFolder } from './run-folder.js';
import { stepSeed } from './seeds.js';
import type { FrozenParts, TrainFlags, TrainRunConfig } from './train-config.js';
import { trainLoop } from './train-loop.js';

type ResumeFrom = Awaited<ReturnType<typeof RunFolder.open>>['resumeFrom'];

/**
 * Trains the denoiser of `cfg` in `run` (made here for a fresh run, once every input has been
 * read and checked), from `resumeFrom` when resuming; checkpoints, validation and the time limit
 * as the flags say.
 */
export async function runDiffusionTraining(p: {
  flags: TrainFlags;
  cfg: TrainRunConfig;
  frozen: FrozenParts;
  run?: RunFolder;
  resumeFrom?: ResumeFrom;
}): Promise<void> {
  const { flags, cfg, frozen, resumeFrom } = p;
  // Initial weights come from --seed (a resumed run loads its own over them).
  const trainer = withInitSeed(
    cfg.seed,
    () =>
      new LatentDiffusionTrainer(
        { ...frozen, latentScale: cfg.latentScale },
        { denoiser: cfg.denoiser, diffusion: { schedule: cfg.schedule }, training: cfg.training },
      ),
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
  const run =
    p.run ??
    (await RunFolder.open(flags.out, { ...cfg, checkpointEvery: flags.checkpointEvery })).run;
  const encoderEma = trainer.encoderEma;
  const startStep = await restoreTraining(
    resumeFrom,
    {
      unet: trainer.denoiser,
      ema: {
        parameters: () => trainer.ema.parameters(),
        loadWeights: (w) => trainer.ema.load(w, emaUpdates),
      },
      // --train-encoder: the encoder and its EMA are part of the run.
      ...(encoderEma && {
        encoder: frozen.encoder,
        'encoder-ema': {
          parameters: () => encoderEma.parameters(),
          loadWeights: (w) => encoderEma.load(w, emaUpdates),
        },
      }),
    },
    trainer.optimizer,
  );
  const vocabulary = encoderEma && (await readManifest(cfg.data)).vocab;
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
    clipNorm: cfg.training.clipNorm,
    label: 'train',
    startStep,
    resumedFrom: resumeFrom?.dir,
    timeLimitSeconds: timeLimitSeconds(flags.timeLimit),
    totalSteps: cfg.training.totalSteps,
    checkpointEvery: run.checkpointEvery ?? flags.checkpointEvery,
    step: async (step) => {
      const batch = await nextTrainingBatch(loader, cfg.data, cfg.batch);
      const moments = cache && (await cache.read(batch.keys, batch.flipped));
      const r = await trainer.step({ ...batch, moments }, cfg.imageSize, stepSeed(cfg.seed, step));
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
      if (encoderEma) {
        const meta = { config: frozen.encoder.config, vocabulary };
        await saveCheckpoint(join(dir, 'encoder'), frozen.encoder, { kind: 'encoder', ...meta });
        await saveCheckpoint(join(dir, 'encoder-ema'), encoderEma, {
          kind: 'encoder-ema',
          ...meta,
          decay: encoderEma.decay,
        });
      }
      await saveOptimizerState(dir, trainer.optimizer);
      return { step, seed: cfg.seed, data: loader.position(), emaUpdates: trainer.ema.updates };
    },
  });
  await cache?.close();
  console.log(
    `${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; checkpoint ${result.lastCheckpoint ?? '(none)'}`,
  );
}
