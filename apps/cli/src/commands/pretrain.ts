import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '@sgdiff/datasets/node';
import { fixedBatch, trainingLoader, nextTrainingBatch } from '../training/data.js';
import { AdamW, warmupCosine, withInitSeed } from '@sgdiff/nn';
import {
  ablationConfig,
  ABLATION_VARIANTS,
  complianceDiscrimination,
  GLOBAL_POOLINGS,
  MaskedContrastiveModel,
  pretrainConfig,
  pretrainStep,
  recallAtK,
  Rng,
  scoreGraphsImages,
  type AblationVariant,
  type EncoderPreset,
  type GlobalPooling,
  type ImageHead,
  type PretrainConfig,
} from '@sgdiff/encoder';
import { saveCheckpoint, saveOptimizerState } from '@sgdiff/nn/node';
import { Vocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { parsePretrainRunConfig } from '../training/run-configs.js';
import {
  addRunOptions,
  type RunFlags,
  positiveInt,
  positiveNumber,
  startBackend,
  timeLimitSeconds,
  resumeRequest,
} from '../options.js';
import { openCommandRun, runInputs } from '../training/run-folder.js';
import { restoreTraining } from '../training/restore.js';
import { trainLoop } from '../training/train-loop.js';
import { stepSeed } from '../training/seeds.js';

const DEFAULT_PRETRAIN_STEPS = 3000;

interface Flags extends RunFlags {
  data?: string;
  out: string;
  config?: string;
  preset: EncoderPreset;
  variant: AblationVariant;
  graphConv?: 'residual' | 'plain';
  globalPooling?: GlobalPooling;
  imageHead?: ImageHead;
  hardWeight?: number;
  steps?: number;
  batch: number;
  lr: number;
  valEvery: number;
  valPairs: number;
}

export interface PretrainRunConfig {
  command: 'pretrain';
  data: string;
  model: PretrainConfig;
  variant: AblationVariant;
  training: {
    lr: number;
    warmupSteps: number;
    totalSteps: number;
    weightDecay: number;
    clipNorm: number;
  };
  batch: number;
  seed: number;
  maxObjects: number;
}

/** Retrieval R@1/R@5 both ways and compliance discrimination on held-out pairs. */
async function evaluate(
  model: MaskedContrastiveModel,
  vocab: Vocabulary,
  batch: { images: Uint8Array; graphs: SceneGraph[] },
) {
  model.eval();
  try {
    const m = scoreGraphsImages(model, batch.graphs, batch.images, vocab);
    const out: Record<string, number> = {
      r1_g2i: recallAtK(m, 1, 'graph→image'),
      r5_g2i: recallAtK(m, 5, 'graph→image'),
      r1_i2g: recallAtK(m, 1, 'image→graph'),
      r5_i2g: recallAtK(m, 5, 'image→graph'),
    };
    const c = complianceDiscrimination(model, batch.graphs, batch.images, vocab, new Rng(7));
    for (const [kind, r] of Object.entries(c)) out[`discrim_${kind}`] = r.accuracy;
    return out;
  } finally {
    model.train();
  }
}

export function registerPretrain(program: Command): void {
  addRunOptions(
    program
      .command('pretrain')
      .description(
        'pre-train the scene-graph encoder (masked autoencoding + contrastive with hard negatives)',
      )
      .option('--data <dir>', 'dataset folder (a resumed run reads it from its config)')
      .requiredOption('--out <dir>', 'training run folder')
      .option('--config <file>', 'JSON file overriding the pretrain config (PretrainConfig fields)')
      .addOption(
        new Option('--preset <name>', 'model size')
          .choices(['synthetic', 'sgdiff', 'tiny'])
          .default('synthetic'),
      )
      .addOption(
        new Option('--variant <name>', 'ablation variant')
          .choices([...ABLATION_VARIANTS])
          .default('both+hard'),
      )
      .addOption(
        new Option(
          '--graph-conv <kind>',
          'graph convolutions with a residual path (the preset) or plain, as sg2im and encoders trained before it',
        ).choices(['residual', 'plain']),
      )
      .addOption(
        new Option(
          '--global-pooling <kind>',
          'how the global token is made: means (mean object ‖ mean predicate, the preset) or a pool over the local triple tokens, which keeps subject/object order',
        ).choices([...GLOBAL_POOLINGS]),
      )
      .addOption(
        new Option(
          '--image-head <kind>',
          "the contrastive image tower's head: linear (the preset) or mlp, which can compare grid cells",
        ).choices(['linear', 'mlp']),
      )
      .option(
        '--hard-weight <w>',
        'each hard negative (swapped, inverted, relabelled graph) counts as w negatives in the contrastive softmax (default 1)',
        positiveNumber,
      )
      .option(
        '--steps <n>',
        `total optimiser steps (default ${DEFAULT_PRETRAIN_STEPS})`,
        positiveInt,
      )
      .option('--batch <n>', 'batch size (in-batch negatives)', positiveInt, 32)
      .option('--lr <x>', 'peak learning rate', positiveNumber, 1e-3)
      .option('--val-every <n>', 'steps between retrieval/compliance validation', positiveInt, 500)
      .option('--val-pairs <n>', 'validation graph–image pairs', positiveInt, 256),
  ).action(async (flags: Flags, cmd: Command) => {
    const [data] = await runInputs(flags.out, flags.resume, [
      { flag: '--data', value: flags.data, key: 'data' },
    ]);
    const manifest = await readManifest(data);
    const vocab = Vocabulary.fromJSON(manifest.vocab);
    let model = pretrainConfig(vocab, flags.preset);
    if (flags.config) {
      try {
        model = {
          ...model,
          ...(JSON.parse(readFileSync(flags.config, 'utf8')) as Partial<PretrainConfig>),
        };
      } catch (e) {
        throw new UserError(`--config ${flags.config}: ${(e as Error).message}`);
      }
    }
    if (flags.graphConv)
      model = { ...model, encoder: { ...model.encoder, residual: flags.graphConv === 'residual' } };
    if (flags.globalPooling)
      model = { ...model, encoder: { ...model.encoder, globalPooling: flags.globalPooling } };
    if (flags.imageHead)
      model = { ...model, contrastive: { ...model.contrastive, imageHead: flags.imageHead } };
    if (flags.hardWeight !== undefined)
      model = {
        ...model,
        contrastive: { ...model.contrastive, hardNegativeWeight: flags.hardWeight },
      };
    model = ablationConfig(model, flags.variant);
    if (model.imageSize !== manifest.image.size) {
      throw new UserError(
        `the ${flags.preset} preset expects ${model.imageSize}² images; ${data} has ${manifest.image.size}²`,
      );
    }
    const steps = flags.steps ?? DEFAULT_PRETRAIN_STEPS;
    const fresh: PretrainRunConfig = {
      command: 'pretrain',
      data,
      model,
      variant: flags.variant,
      training: {
        lr: flags.lr,
        warmupSteps: Math.min(200, Math.ceil(steps / 10)),
        totalSteps: steps,
        weightDecay: 0.01,
        clipNorm: 1,
      },
      batch: flags.batch,
      seed: flags.seed,
      maxObjects: 8,
    };
    // A resumed run keeps its schedule unless --steps is given: then the cosine re-fits to it.
    const { run, resumeFrom, cfg } = await openCommandRun(
      flags.out,
      fresh,
      flags,
      resumeRequest(cmd),
      parsePretrainRunConfig,
    );
    await startBackend(flags);

    const net = withInitSeed(cfg.seed, () => new MaskedContrastiveModel(cfg.model));
    const t = cfg.training;
    const optimizer = new AdamW(net.parameters(), {
      lr: warmupCosine({ peakLr: t.lr, warmupSteps: t.warmupSteps, totalSteps: t.totalSteps }),
      weightDecay: t.weightDecay,
    });
    const startStep = await restoreTraining(resumeFrom, { pretrain: net }, optimizer);
    const loader = await trainingLoader({
      dir: cfg.data,
      batch: cfg.batch,
      seed: cfg.seed,
      maxObjects: cfg.maxObjects,
      resumeFrom: resumeFrom?.state.data,
    });
    const val = await fixedBatch(cfg.data, 'val', flags.valPairs, cfg.maxObjects);
    const result = await trainLoop({
      run,
      clipNorm: t.clipNorm,
      label: 'pretrain',
      startStep,
      resumedFrom: resumeFrom?.dir,
      timeLimitSeconds: timeLimitSeconds(flags.timeLimit),
      totalSteps: t.totalSteps,
      checkpointEvery: run.checkpointEvery ?? flags.checkpointEvery,
      step: async (step) => {
        const batch = await nextTrainingBatch(loader, cfg.data, cfg.batch);
        const r = await pretrainStep(
          net,
          optimizer,
          batch,
          vocab,
          new Rng(stepSeed(cfg.seed, step)),
          { clipNorm: t.clipNorm },
        );
        return {
          loss: r.loss,
          contrastive: r.contrastive,
          masked: r.masked,
          gradNorm: r.gradNorm,
          lr: r.lr,
          logitScale: r.logitScale,
        };
      },
      validateEvery: val && cfg.model.contrastive.enabled ? flags.valEvery : undefined,
      validate: async () => evaluate(net, vocab, val!),
      save: async (dir, step) => {
        // The whole pre-training model (to resume) and the encoder alone (what diffusion loads).
        await saveCheckpoint(join(dir, 'pretrain'), net, { kind: 'pretrain', config: cfg.model });
        await saveCheckpoint(join(dir, 'encoder'), net.encoder, {
          kind: 'encoder',
          config: cfg.model.encoder,
          vocabulary: manifest.vocab,
        });
        await saveOptimizerState(dir, optimizer);
        return { step, seed: cfg.seed, data: loader.position() };
      },
    });
    if (val && cfg.model.contrastive.enabled) {
      const final = await evaluate(net, vocab, val);
      await run.appendMetrics({ step: result.step, split: 'val', ...final });
      console.log(
        Object.entries(final)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join('  '),
      );
    }
    console.log(
      `${result.interrupted ? 'interrupted at' : 'finished'} step ${result.step}; checkpoint ${result.lastCheckpoint ?? '(none)'}`,
    );
  });
}
