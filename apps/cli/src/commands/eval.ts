import { join } from 'node:path';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import { DEFAULT_ORACLE_TRAINING, oracleConfig, OracleTrainer, oracleLoss, oracleInput, oracleTargets, type OracleTrainConfig } from '@sgdiff/eval';
import { loadCheckpointInto, loadOptimizerState, saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { tf, type BackendChoice } from '@sgdiff/nn';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { backendOption, positiveInt, positiveNumber, startBackend } from '../options.js';
import { RunFolder } from '../training/run-folder.js';
import { trainLoop } from '../training/train-loop.js';
import { stepSeed } from './train-autoencoder.js';

interface TrainOracleFlags {
  data: string;
  out: string;
  steps?: number;
  batch: number;
  lr?: number;
  seed: number;
  backend: BackendChoice;
  resume?: boolean;
  checkpointEvery: number;
  valEvery: number;
  valImages: number;
}

export function registerTrainOracle(evalCommand: Command): void {
  evalCommand
    .command('train-oracle')
    .description('train the synthetic oracle (per-class presence and box) used by FID-synthetic and compliance')
    .requiredOption('--data <dir>', 'synthetic dataset folder (sgdiff data synth)')
    .requiredOption('--out <dir>', 'training run folder; the finished oracle goes to <out>/oracle')
    .option('--steps <n>', `total optimiser steps (default ${DEFAULT_ORACLE_TRAINING.totalSteps})`, positiveInt)
    .option('--batch <n>', 'batch size', positiveInt, 32)
    .option('--lr <x>', `peak learning rate (default ${DEFAULT_ORACLE_TRAINING.lr})`, positiveNumber)
    .option('--seed <n>', 'run seed', positiveInt, 1)
    .addOption(backendOption())
    .option('--resume', 'continue the run in --out from its latest checkpoint')
    .option('--checkpoint-every <n>', 'steps between checkpoints', positiveInt, 200)
    .option('--val-every <n>', 'steps between validation measurements', positiveInt, 250)
    .option('--val-images <n>', 'validation images', positiveInt, 256)
    .action(async (flags: TrainOracleFlags) => {
      const manifest = await readManifest(flags.data);
      const size = manifest.image.size;
      const fresh = {
        command: 'eval train-oracle',
        data: flags.data,
        model: oracleConfig({ imageSize: size }),
        training: {
          ...DEFAULT_ORACLE_TRAINING,
          ...(flags.steps ? { totalSteps: flags.steps } : {}),
          ...(flags.lr ? { lr: flags.lr } : {}),
        },
        batch: flags.batch,
        seed: flags.seed,
        imageSize: size,
      };
      const { run, resumeFrom } = await RunFolder.open(flags.out, fresh, { resume: flags.resume });
      const cfg = run.config as typeof fresh;
      if (flags.steps && flags.resume) cfg.training.totalSteps = flags.steps;
      await startBackend(flags.backend);
      const trainer = new OracleTrainer(cfg.model, cfg.training as OracleTrainConfig);
      let startStep = 0;
      if (resumeFrom) {
        await loadCheckpointInto(trainer.model, join(resumeFrom.dir, 'oracle'));
        await loadOptimizerState(resumeFrom.dir, trainer.optimizer);
        startStep = resumeFrom.state.step;
        process.stderr.write(`resuming from ${resumeFrom.dir} (step ${startStep})\n`);
      }
      const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
      const loader = await createLoader({
        dir: cfg.data,
        split: 'train',
        batchSize: cfg.batch,
        shuffle: true,
        seed: cfg.seed,
        augment: true,
        dropLast: true,
        resumeFrom: resumeFrom?.state.data as never,
        onWarning: warn,
      });
      const val = await (await createLoader({ dir: cfg.data, split: 'val', batchSize: flags.valImages, epochs: 1, onWarning: warn })).next();
      const valLoss = async () => {
        const out = tf.tidy(() => {
          const o = oracleLoss(trainer.model.forward(oracleInput(val!.images, val!.graphs.length, size, cfg.model)), oracleTargets(val!.graphs, cfg.model));
          return tf.stack([o.heat, o.box]);
        });
        const [heat, box] = await out.data();
        out.dispose();
        return { valHeat: heat, valBox: box };
      };
      const result = await trainLoop({
        run,
        label: 'train-oracle',
        startStep,
        totalSteps: cfg.training.totalSteps,
        checkpointEvery: flags.checkpointEvery,
        step: async (step) => {
          const batch = await loader.next();
          if (!batch) throw new UserError(`${cfg.data}: the train split yielded no batch of ${cfg.batch}`);
          const r = await trainer.step(batch.images, batch.graphs, size, stepSeed(cfg.seed, step));
          return { loss: r.loss, heat: r.heat, box: r.box, gradNorm: r.gradNorm, lr: r.lr };
        },
        validateEvery: val ? flags.valEvery : undefined,
        validate: valLoss,
        save: async (dir, step) => {
          await saveCheckpoint(join(dir, 'oracle'), trainer.model, { kind: 'oracle', config: cfg.model });
          await saveOptimizerState(dir, trainer.optimizer);
          return { step, seed: cfg.seed, data: loader.position() };
        },
      });
      await saveCheckpoint(join(flags.out, 'oracle'), trainer.model, { kind: 'oracle', config: cfg.model, step: result.step });
      console.log(`${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; oracle ${join(flags.out, 'oracle')}`);
    });
}

export function registerEval(program: Command): void {
  const evalCommand = program.command('eval').description('evaluate a model (FID/KID/IS, scene-graph compliance) and train the synthetic oracle');
  registerTrainOracle(evalCommand);
}
