import type { ThreadsChoice } from '@sgdiff/nn/node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import {
  complianceDiscrimination,
  MaskedContrastiveModel,
  recallAtK,
  Rng,
  SceneGraphEncoder,
  scoreGraphsImages,
  tokenLabels,
  type EncoderConfig,
  type TokenLabels,
  type PretrainConfig,
} from '@sgdiff/encoder';
import { linearProbe } from '@sgdiff/eval';
import type { BackendChoice } from '@sgdiff/nn';
import { Vocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { frozenPartSource, loadModuleFromCheckpoint } from '../model-parts.js';
import { backendOption, threadsOption, positiveInt, startBackend } from '../options.js';

interface Flags {
  run: string;
  data: string;
  split: string;
  pairs: number;
  seed: number;
  backend: BackendChoice;
  threads?: ThreadsChoice;
  json?: boolean;
}

/**
 * How well an encoder's local tokens name their triple: a linear probe (ridge regression) fitted
 * on the tokens of the first half of `graphs`, scored on the second half. "own token" is an
 * object's `__in_image__` token → its label; the others read relation tokens.
 */
export function probeTokens(
  encoder: SceneGraphEncoder,
  graphs: readonly SceneGraph[],
  vocab: Vocabulary,
) {
  const half = Math.floor(graphs.length / 2);
  if (half === 0) throw new UserError('the label probe needs at least 2 graphs');
  const fit = tokenLabels(encoder, graphs.slice(0, half), vocab);
  const held = tokenLabels(encoder, graphs.slice(half), vocab);
  const pick = (t: TokenLabels, inImage: boolean, of: number[]) => {
    const rows = t.inImage.flatMap((v, i) => (v === inImage ? [i] : []));
    return { features: rows.map((i) => t.tokens[i]!), labels: rows.map((i) => of[i]!) };
  };
  const objects = vocab.numObjects;
  const predicates = vocab.numPredicates;
  const probe = (inImage: boolean, key: 'subjects' | 'objects' | 'predicates', classes: number) => {
    const train = pick(fit, inImage, fit[key]);
    const test = pick(held, inImage, held[key]);
    if (!train.labels.length || !test.labels.length) return null;
    const r = linearProbe(train, test, { numClasses: classes });
    return { accuracy: r.accuracy, majority: r.majority, tokens: test.labels.length };
  };
  return {
    'own token → label': probe(true, 'subjects', objects),
    'relation → subject': probe(false, 'subjects', objects),
    'relation → object': probe(false, 'objects', objects),
    'relation → predicate': probe(false, 'predicates', predicates),
  };
}

/**
 * Graph–image retrieval and compliance discrimination of a pre-trained encoder on held-out
 * pairs: R@1/R@5 both ways, and per perturbation kind how often the true graph outscores a
 * perturbed one; and the label probe of its tokens. A model directory (or a run without the
 * contrastive head) gets the probe only.
 */
export function registerScoreEncoder(program: Command): void {
  program
    .command('score-encoder')
    .description(
      'retrieval R@1/R@5 and compliance discrimination of a pretrain run on held-out pairs',
    )
    .requiredOption(
      '--run <dir>',
      'pretrain run folder (its latest checkpoint), or a model directory or train run (its encoder; label probe only)',
    )
    .requiredOption('--data <dir>', 'dataset folder')
    .option('--split <name>', 'split to score', 'val')
    .option('--pairs <n>', 'graph–image pairs (the retrieval gallery size)', positiveInt, 1000)
    .option('--seed <n>', 'seed for the perturbations', positiveInt, 7)
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      await startBackend(flags);
      const checkpoint = await frozenPartSource(flags.run, 'encoder', '--run');
      // A pretrain checkpoint also holds the image head that retrieval needs.
      const model = existsSync(join(checkpoint, 'pretrain'))
        ? (
            await loadModuleFromCheckpoint(
              join(checkpoint, 'pretrain'),
              (c: PretrainConfig) => new MaskedContrastiveModel(c),
              'pretrain model',
            )
          ).module
        : null;
      const encoder =
        model?.encoder ??
        (
          await loadModuleFromCheckpoint(
            join(checkpoint, 'encoder'),
            (c: EncoderConfig) => new SceneGraphEncoder(c),
            'encoder',
          )
        ).module;
      (model ?? encoder).eval();
      const vocab = Vocabulary.fromJSON((await readManifest(flags.data)).vocab);
      const batch = await (
        await createLoader({
          dir: flags.data,
          split: flags.split,
          batchSize: flags.pairs,
          epochs: 1,
          maxObjects: 8,
        })
      ).next();
      if (!batch) throw new UserError(`${flags.data}: split "${flags.split}" is empty`);
      const n = batch.graphs.length;
      const probe = probeTokens(encoder, batch.graphs, vocab);
      let scores = null;
      if (model?.imageEncoder) {
        const m = scoreGraphsImages(model, batch.graphs, batch.images, vocab);
        const discrimination = complianceDiscrimination(
          model,
          batch.graphs,
          batch.images,
          vocab,
          new Rng(flags.seed),
        );
        scores = {
          retrieval: {
            'graph→image': {
              r1: recallAtK(m, 1, 'graph→image'),
              r5: recallAtK(m, 5, 'graph→image'),
            },
            'image→graph': {
              r1: recallAtK(m, 1, 'image→graph'),
              r5: recallAtK(m, 5, 'image→graph'),
            },
          },
          discrimination: Object.fromEntries(
            Object.entries(discrimination).map(([k, r]) => [
              k,
              { accuracy: r.accuracy, pairs: r.total },
            ]),
          ),
        };
      }
      const report = { run: flags.run, checkpoint, pairs: n, ...scores, probe };
      if (flags.json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        console.log(`${n} pairs from ${flags.split}, checkpoint ${checkpoint}`);
        if (scores) {
          const r = scores.retrieval;
          console.log(
            `graph→image R@1 ${r['graph→image'].r1.toFixed(3)} R@5 ${r['graph→image'].r5.toFixed(3)}`,
          );
          console.log(
            `image→graph R@1 ${r['image→graph'].r1.toFixed(3)} R@5 ${r['image→graph'].r5.toFixed(3)}`,
          );
          for (const [k, d] of Object.entries(scores.discrimination))
            console.log(`discrimination ${k}: ${d.accuracy.toFixed(3)} over ${d.pairs} pairs`);
        } else {
          console.log('no image head in this checkpoint: retrieval and discrimination skipped');
        }
        for (const [k, d] of Object.entries(probe))
          if (d)
            console.log(
              `label probe ${k}: ${d.accuracy.toFixed(3)} (majority class ${d.majority.toFixed(3)}) over ${d.tokens} held-out tokens`,
            );
      }
      (model ?? encoder).dispose();
    });
}
