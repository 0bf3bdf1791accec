import type { Batch, LoaderPosition } from '@sgdiff/datasets';
import { UserError } from '../errors.js';
import { createLoader } from '@sgdiff/datasets/node';

/** One line on stderr per data problem (a corrupt record, a truncated shard). */
export const warnLine = (message: string): void =>
  void process.stderr.write(`warning: ${message}\n`);

/** The train split as every training command reads it: shuffled, flipped, full batches, endless, resumable. */
export function trainingLoader(o: {
  dir: string;
  batch: number;
  seed: number;
  maxObjects?: number;
  resumeFrom?: unknown;
}) {
  return createLoader({
    dir: o.dir,
    split: 'train',
    batchSize: o.batch,
    shuffle: true,
    seed: o.seed,
    augment: true,
    dropLast: true,
    maxObjects: o.maxObjects,
    resumeFrom: o.resumeFrom as LoaderPosition | undefined,
    onWarning: warnLine,
  });
}

/** The first `size` records of a split, in order: a fixed validation batch. */
export async function fixedBatch(
  dir: string,
  split: string,
  size: number,
  maxObjects?: number,
): Promise<Batch | undefined> {
  return (
    await createLoader({ dir, split, batchSize: size, epochs: 1, maxObjects, onWarning: warnLine })
  ).next();
}

/** The next batch of an endless training loader; none at all means the split cannot fill one. */
export async function nextTrainingBatch(
  loader: { next(): Promise<Batch | undefined> },
  dir: string,
  batch: number,
): Promise<Batch> {
  const b = await loader.next();
  if (!b) throw new UserError(`${dir}: the train split yielded no batch of ${batch}`);
  return b;
}
