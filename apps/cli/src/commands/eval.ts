import type { ThreadsChoice } from '@sgdiff/nn/node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from '@sgdiff/datasets/node';
import { fixedBatch, trainingLoader, nextTrainingBatch } from '../training/data.js';
import {
  applyBorderSnap,
  borderSides,
  chooseThreshold,
  complianceMetrics,
  DEFAULT_ORACLE_TRAINING,
  FINE_ORACLE_CONFIG,
  oracleConfig,
  OracleTrainer,
  oracleLoss,
  oracleInput,
  oracleTargets,
  runOracle,
  thresholdSweep,
  type OracleTrainConfig,
  type ThresholdPoint,
} from '@sgdiff/eval';
import { loadOracle, oracleCheckpointDir, saveOracle } from '@sgdiff/eval/node';
import { saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { SAMPLER_NAMES } from '@sgdiff/diffusion';
import { tf, withInitSeed, type BackendChoice } from '@sgdiff/nn';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { parseCommandRunConfig } from '../training/run-configs.js';
import {
  addRunOptions,
  type RunFlags,
  backendOption,
  threadsOption,
  nonNegativeInt,
  lateGuidance,
  nonNegativeNumber,
  positiveInt,
  positiveNumber,
  startBackend,
  timeLimitSeconds,
  resumeRequest,
} from '../options.js';
import {
  DEFAULT_ORACLE,
  formatMetricsTable,
  guidanceList,
  runEvalReport,
  type EvalFlags,
} from './eval-report.js';
import { openCommandRun, withStepsAndLr } from '../training/run-folder.js';
import { restoreTraining } from '../training/restore.js';
import { trainLoop } from '../training/train-loop.js';
import { stepSeed } from '../training/seeds.js';

interface TrainOracleFlags extends RunFlags {
  data: string;
  out: string;
  steps?: number;
  batch: number;
  lr?: number;
  valEvery: number;
  valImages: number;
  head: 'fine' | 'coarse';
  init?: string;
}

export function registerTrainOracle(evalCommand: Command): void {
  addRunOptions(
    evalCommand
      .command('train-oracle')
      .description(
        'train the synthetic oracle (per-class presence and box) used by FID-synthetic and compliance',
      )
      .requiredOption('--data <dir>', 'synthetic dataset folder (sgdiff data synth)')
      .requiredOption(
        '--out <dir>',
        'training run folder; the finished oracle goes to <out>/oracle',
      )
      .option(
        '--steps <n>',
        `total optimiser steps (default ${DEFAULT_ORACLE_TRAINING.totalSteps})`,
        positiveInt,
      )
      .option('--batch <n>', 'batch size', positiveInt, 32)
      .option(
        '--lr <x>',
        `peak learning rate (default ${DEFAULT_ORACLE_TRAINING.lr})`,
        positiveNumber,
      )
      .addOption(
        new Option('--head <grid>', 'detection grid: fine (image/4) or coarse (image/8)')
          .choices(['fine', 'coarse'])
          .default('fine'),
      )
      .option('--val-every <n>', 'steps between validation measurements', positiveInt, 250)
      .option('--val-images <n>', 'validation images', positiveInt, 256)
      .option(
        '--init <oracle>',
        'start a new run from these oracle weights (its config replaces --head; fresh optimiser and schedule)',
      ),
  ).action(async (flags: TrainOracleFlags, cmd: Command) => {
    const manifest = await readManifest(flags.data);
    const size = manifest.image.size;
    if (flags.init && flags.resume)
      throw new UserError('--init starts a new run; --resume continues one (give one of them)');
    await startBackend(flags);
    // Read once: its config decides the run's model, its weights start it.
    const init = flags.init ? await loadOracle(flags.init) : undefined;
    if (init && init.config.imageSize !== size) {
      init.dispose();
      throw new UserError(
        `--init ${flags.init} sees ${init.config.imageSize}² images, ${flags.data} has ${size}²`,
      );
    }
    const fresh = {
      command: 'eval train-oracle',
      data: flags.data,
      ...(flags.init ? { init: flags.init } : {}),
      model: init
        ? { ...init.config }
        : flags.head === 'fine'
          ? { ...FINE_ORACLE_CONFIG, imageSize: size }
          : oracleConfig({ imageSize: size }),
      training: withStepsAndLr(DEFAULT_ORACLE_TRAINING, flags),
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
    const trainer = withInitSeed(
      cfg.seed,
      () => new OracleTrainer(cfg.model, cfg.training as OracleTrainConfig),
    );
    const startStep = await restoreTraining(
      resumeFrom,
      { oracle: trainer.model },
      trainer.optimizer,
    );
    if (init) {
      trainer.model.loadWeights(init.parameters());
      process.stderr.write(`starting from the weights of ${oracleCheckpointDir(flags.init!)}\n`);
    }
    init?.dispose();
    const loader = await trainingLoader({
      dir: cfg.data,
      batch: cfg.batch,
      seed: cfg.seed,
      resumeFrom: resumeFrom?.state.data,
    });
    const val = await fixedBatch(cfg.data, 'val', flags.valImages);
    const valLoss = async () => {
      const out = tf.tidy(() => {
        const o = oracleLoss(
          trainer.model.forward(oracleInput(val!.images, val!.graphs.length, size, cfg.model)),
          oracleTargets(val!.graphs, cfg.model),
        );
        return tf.stack([o.heat, o.box]);
      });
      const [heat, box] = await out.data();
      out.dispose();
      const { predictions } = await runOracle(trainer.model, val!.images, val!.graphs.length, size);
      trainer.model.train();
      const c = complianceMetrics(
        val!.graphs,
        predictions.map((p) => p.detections),
      );
      return {
        valHeat: heat,
        valBox: box,
        objectRecall: c.objectRecall,
        relationAccuracy: c.relationAccuracy,
      };
    };
    const result = await trainLoop({
      run,
      clipNorm: (cfg.training as OracleTrainConfig).clipNorm,
      label: 'train-oracle',
      startStep,
      timeLimitSeconds: timeLimitSeconds(flags.timeLimit),
      totalSteps: cfg.training.totalSteps,
      checkpointEvery: run.checkpointEvery ?? flags.checkpointEvery,
      step: async (step) => {
        const batch = await nextTrainingBatch(loader, cfg.data, cfg.batch);
        const r = await trainer.step(batch.images, batch.graphs, size, stepSeed(cfg.seed, step));
        return { loss: r.loss, heat: r.heat, box: r.box, gradNorm: r.gradNorm, lr: r.lr };
      },
      validateEvery: val ? flags.valEvery : undefined,
      validate: valLoss,
      save: async (dir, step) => {
        await saveCheckpoint(join(dir, 'oracle'), trainer.model, {
          kind: 'oracle',
          config: cfg.model,
        });
        await saveOptimizerState(dir, trainer.optimizer);
        return { step, seed: cfg.seed, data: loader.position() };
      },
    });
    // The oracle's own accuracy on real test images: the ceiling of every compliance number.
    let accuracy: Record<string, number> | undefined;
    const test = await fixedBatch(cfg.data, 'test', 1 << 30);
    if (test) {
      const n = test.graphs.length;
      const { predictions } = await runOracle(trainer.model, test.images, n, size);
      const c = complianceMetrics(
        test.graphs,
        predictions.map((p) => p.detections),
      );
      accuracy = {
        testImages: n,
        objectRecall: c.objectRecall,
        relationAccuracy: c.relationAccuracy,
      };
      await run.appendMetrics({ step: result.step, split: 'test', ...accuracy });
      console.log(
        `oracle on ${n} real test images: object recall ${(100 * c.objectRecall).toFixed(2)}% (${c.found}/${c.objects}), ` +
          `relation accuracy ${(100 * c.relationAccuracy).toFixed(2)}% (${c.satisfied}/${c.relations})`,
      );
    }
    await saveCheckpoint(join(flags.out, 'oracle'), trainer.model, {
      kind: 'oracle',
      config: cfg.model,
      step: result.step,
      accuracy,
    });
    console.log(
      `${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; oracle ${join(flags.out, 'oracle')}`,
    );
  });
}

export function registerEval(program: Command): void {
  // `eval` and `eval train-oracle` both take --data/--out: options after a subcommand's name must
  // belong to it, which commander allows only with positional options on every ancestor. The
  // program itself has no options besides --help, so this changes nothing for other commands.
  program.enablePositionalOptions();
  const evalCommand = program
    .command('eval')
    .description(
      'evaluate a model against real images (FID/KID over the oracle and Inception, IS, scene-graph compliance); see also "eval train-oracle"',
    )
    .enablePositionalOptions()
    .option('--model <dir>', 'model directory (sgdiff export)')
    .option('--data <dir>', 'dataset folder: graphs and reference images')
    .option(
      '--split <name>',
      'split whose graphs are generated and whose images are the reference',
      'test',
    )
    .option('--n <count>', 'images to evaluate', positiveInt, 256)
    .option(
      '--oracle <dir>',
      `synthetic oracle checkpoint or train-oracle run (default ${DEFAULT_ORACLE}, if present)`,
    )
    .option(
      '--inception <dir>',
      'InceptionV3 tfjs graph model folder (see packages/eval/README.md)',
    )
    .option(
      '--encoder-run <dir>',
      'pretrain run folder: adds graph retrieval R@1/R@5 by its contrastive scores',
    )
    .option(
      '--guidance <list>',
      'guidance scales, comma separated (several give the trade-off table)',
      guidanceList,
    )
    .option(
      '--given-boxes',
      "generate from the test graphs with their objects' boxes (a layout-to-image upper bound for a model with layout input; by default boxes are removed, so the model sees the graph alone)",
    )
    .option(
      '--relation-guidance <r>',
      'relation guidance weight for every run (default: the model’s, else 0); see sgdiff sample --help',
      nonNegativeNumber,
    )
    .option(
      '--late-guidance <g@t>',
      'guidance g instead at timesteps below t for every run (e.g. 4@500)',
      lateGuidance,
    )
    .option('--steps <n>', 'sampler steps (default: the model’s)', positiveInt)
    .addOption(
      new Option('--sampler <name>', 'sampler (default: the model’s)').choices(SAMPLER_NAMES),
    )
    .option('--seed <n>', 'noise seed of image 0 (image i uses seed + i)', nonNegativeInt, 0)
    .option('--batch <n>', 'images generated per batch', positiveInt, 16)
    .option('--show <n>', 'samples in the HTML and PNG grids', nonNegativeInt, 16)
    .option(
      '--real-vs-real',
      'compare real images of --against with real images of --split (the floor of each metric)',
    )
    .option('--against <name>', 'the other split for --real-vs-real', 'val')
    .option(
      '--reconstruct',
      "also score the autoencoder's reconstructions of the real images: the ceiling its latent space sets",
    )
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--out <dir>', 'report folder (generated images are kept there, so a re-run resumes)')
    .action(async (flags: EvalFlags) => {
      const report = await runEvalReport(flags);
      console.log(formatMetricsTable(report));
      for (const note of report.notes) console.log(`note: ${note}`);
      console.log(`report: ${join(flags.out!, 'report.html')}`);
    });
  registerTrainOracle(evalCommand);
  registerCalibrateOracle(evalCommand);
}

interface CalibrateFlags {
  oracle: string;
  data: string;
  split: string;
  n: number;
  minPrecision: number;
  backend: BackendChoice;
  threads?: ThreadsChoice;
  dryRun?: boolean;
}

/** Sets an oracle's detection threshold from real images of a split (val, not the test split). */
export function registerCalibrateOracle(evalCommand: Command): void {
  evalCommand
    .command('calibrate-oracle')
    .description(
      "choose the oracle's detection threshold on real images: best recall + relation accuracy at precision ≥ --min-precision",
    )
    .requiredOption('--oracle <dir>', 'oracle checkpoint (rewritten in place with the threshold)')
    .requiredOption('--data <dir>', 'synthetic dataset folder')
    .option('--split <name>', 'split to calibrate on (keep test for reporting)', 'val')
    .option('--n <count>', 'images', positiveInt, 1000)
    .option('--min-precision <p>', 'lowest acceptable detection precision', positiveNumber, 0.95)
    .option('--dry-run', 'print the sweep, change nothing')
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (flags: CalibrateFlags) => {
      await startBackend(flags);
      const oracle = await loadOracle(flags.oracle);
      const dir = oracleCheckpointDir(flags.oracle);
      const set = await fixedBatch(flags.data, flags.split, flags.n);
      if (!set) throw new UserError(`${flags.data}: the "${flags.split}" split is empty`);
      const thresholds = Array.from({ length: 12 }, (_, i) => Math.round((i + 1) * 5) / 100);
      const previous = {
        threshold: oracle.config.threshold,
        flipTest: !!oracle.config.flipTest,
        borderMargin: oracle.config.borderSnap?.margin ?? 0,
      };
      const size = (await readManifest(flags.data)).image.size;
      // Sides each class's real boxes lie on: from the calibration split's own graphs.
      const sides = borderSides(set.graphs);
      const margins = [0, 0.025, 0.05, 0.075, 0.1];
      // Both inference modes (plain, and averaged with the mirrored image), every border margin
      // and threshold: decoded once per mode, at the lowest threshold and without snapping.
      type Point = ThresholdPoint & { flipTest: boolean; borderMargin: number };
      const points: Point[] = [];
      oracle.config.borderSnap = undefined;
      for (const flipTest of [false, true]) {
        oracle.config.threshold = thresholds[0];
        oracle.config.flipTest = flipTest;
        const { predictions } = await runOracle(oracle, set.images, set.graphs.length, size);
        for (const margin of margins) {
          const sweep = thresholdSweep(
            set.graphs,
            predictions.map((p) => applyBorderSnap(p.detections, { margin, sides })),
            thresholds,
          );
          points.push(...sweep.map((p) => ({ ...p, flipTest, borderMargin: margin })));
        }
      }
      const best = chooseThreshold(points, flags.minPrecision) as Point;
      const pct = (v: number) => `${(100 * v).toFixed(2)}%`.padStart(8);
      const row = (p: Point, note = '') =>
        console.log(
          `${(p.flipTest ? 'yes' : 'no').padStart(9)}  ${p.borderMargin.toFixed(3).padStart(13)}  ${p.threshold.toFixed(2).padStart(9)}  ${pct(p.precision)}         ${pct(p.objectRecall)}       ${pct(p.relationAccuracy)}${note}`,
        );
      console.log(
        `flip test  border margin  threshold  label precision  object recall  relation acc.   (${flags.split}, ${set.graphs.length} images)`,
      );
      // Every threshold at the chosen mode and margin; the other modes and margins by their best.
      for (const p of points)
        if (p.flipTest === best.flipTest && p.borderMargin === best.borderMargin)
          row(p, p === best ? '   ← chosen' : '');
      for (const flipTest of [false, true])
        for (const margin of margins) {
          if (flipTest === best.flipTest && margin === best.borderMargin) continue;
          const same = points.filter((p) => p.flipTest === flipTest && p.borderMargin === margin);
          row(chooseThreshold(same, flags.minPrecision) as Point, '   (best of its thresholds)');
        }
      console.log(
        `border sides (from ${flags.split} boxes): ${Object.entries(sides)
          .map(([label, s]) => `${label}: ${s.join('/')}`)
          .join('; ')}`,
      );
      oracle.config.threshold = best.threshold;
      oracle.config.flipTest = best.flipTest;
      oracle.config.borderSnap =
        best.borderMargin > 0 ? { margin: best.borderMargin, sides } : undefined;
      if (!flags.dryRun) {
        const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).userDefinedMetadata
          ?.meta as Record<string, unknown>;
        await saveOracle(dir, oracle, {
          ...meta,
          config: oracle.config,
          calibration: {
            split: flags.split,
            images: set.graphs.length,
            minPrecision: flags.minPrecision,
            ...best,
          },
        });
        console.log(
          `threshold ${previous.threshold} → ${best.threshold}, flip test ${previous.flipTest} → ${best.flipTest}, border margin ${previous.borderMargin} → ${best.borderMargin}; saved ${dir}`,
        );
      }
      oracle.dispose();
    });
}
