import { join } from 'node:path';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import {
  complianceDiscrimination,
  MaskedContrastiveModel,
  recallAtK,
  Rng,
  scoreGraphsImages,
  type PretrainConfig,
} from '@sgdiff/encoder';
import type { BackendChoice } from '@sgdiff/nn';
import { Vocabulary } from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { latestCheckpointOf, loadModuleFromCheckpoint } from '../model-parts.js';
import { backendOption, positiveInt, startBackend } from '../options.js';

interface Flags {
  run: string;
  data: string;
  split: string;
  pairs: number;
  seed: number;
  backend: BackendChoice;
  json?: boolean;
}

/**
 * Graph–image retrieval and compliance discrimination of a pre-trained encoder on held-out
 * pairs: R@1/R@5 both ways, and per perturbation kind how often the true graph outscores a
 * perturbed one.
 */
export function registerScoreEncoder(program: Command): void {
  program
    .command('score-encoder')
    .description(
      'retrieval R@1/R@5 and compliance discrimination of a pretrain run on held-out pairs',
    )
    .requiredOption('--run <dir>', 'pretrain run folder (its latest checkpoint)')
    .requiredOption('--data <dir>', 'dataset folder')
    .option('--split <name>', 'split to score', 'val')
    .option('--pairs <n>', 'graph–image pairs (the retrieval gallery size)', positiveInt, 1000)
    .option('--seed <n>', 'seed for the perturbations', positiveInt, 7)
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .action(async (flags: Flags) => {
      await startBackend(flags.backend);
      const checkpoint = await latestCheckpointOf(flags.run, '--run');
      const { module: model } = await loadModuleFromCheckpoint(
        join(checkpoint, 'pretrain'),
        (c: PretrainConfig) => new MaskedContrastiveModel(c),
        'pretrain model',
      );
      if (!model.imageEncoder)
        throw new UserError(
          `${flags.run} was trained without the contrastive head; retrieval needs it`,
        );
      model.eval();
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
      const m = scoreGraphsImages(model, batch.graphs, batch.images, vocab);
      const discrimination = complianceDiscrimination(
        model,
        batch.graphs,
        batch.images,
        vocab,
        new Rng(flags.seed),
      );
      const report = {
        run: flags.run,
        checkpoint,
        pairs: n,
        retrieval: {
          'graph→image': { r1: recallAtK(m, 1, 'graph→image'), r5: recallAtK(m, 5, 'graph→image') },
          'image→graph': { r1: recallAtK(m, 1, 'image→graph'), r5: recallAtK(m, 5, 'image→graph') },
        },
        discrimination: Object.fromEntries(
          Object.entries(discrimination).map(([k, r]) => [
            k,
            { accuracy: r.accuracy, pairs: r.total },
          ]),
        ),
      };
      if (flags.json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        const r = report.retrieval;
        console.log(`${n} pairs from ${flags.split}, checkpoint ${checkpoint}`);
        console.log(
          `graph→image R@1 ${r['graph→image'].r1.toFixed(3)} R@5 ${r['graph→image'].r5.toFixed(3)}`,
        );
        console.log(
          `image→graph R@1 ${r['image→graph'].r1.toFixed(3)} R@5 ${r['image→graph'].r5.toFixed(3)}`,
        );
        for (const [k, d] of Object.entries(report.discrimination))
          console.log(`discrimination ${k}: ${d.accuracy.toFixed(3)} over ${d.pairs} pairs`);
      }
      model.dispose();
    });
}
