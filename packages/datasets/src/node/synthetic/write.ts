import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { DatasetError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import { defaultShardSize, type DatasetManifest } from '../../shards/manifest.js';
import type { ShardRecord } from '../../shards/record.js';
import {
  generateSyntheticSample,
  SYNTHETIC_SIZES,
  syntheticSplitSizes,
} from '../../synthetic/generate.js';
import { ShardedDatasetWriter } from '../shard-writer.js';

export interface WriteSyntheticOptions {
  out: string;
  /** Total images over all splits. */
  count: number;
  val?: number;
  test?: number;
  seed: number;
  size: number;
  maskSize?: number;
  shardSize?: number;
  onProgress?: ProgressCallback;
}

export const SYNTHETIC_VERSION = '1';

/** Generates the synthetic dataset into shards. Re-running finishes an interrupted run. */
export async function writeSyntheticDataset(opts: WriteSyntheticOptions): Promise<DatasetManifest> {
  const { out, count, seed, size, maskSize = 16 } = opts;
  if (!(SYNTHETIC_SIZES as readonly number[]).includes(size))
    throw new DatasetError(`size ${size}: synthetic images are ${SYNTHETIC_SIZES.join(', ')} px`);
  if (!Number.isInteger(count) || count < 1)
    throw new DatasetError(`count ${count}: need a positive integer`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new DatasetError(`seed ${seed}: need a non-negative integer`);
  const sizes = syntheticSplitSizes(count, opts.val, opts.test);
  if (sizes.val < 0 || sizes.test < 0 || sizes.val + sizes.test > count)
    throw new DatasetError(`--val ${sizes.val} and --test ${sizes.test} exceed --count ${count}`);
  const shardSize = opts.shardSize ?? defaultShardSize(size);

  const writer = await ShardedDatasetWriter.open(out, {
    dataset: 'synthetic',
    version: SYNTHETIC_VERSION,
    image: { size, channels: 3, encoding: 'rgb' },
    masks: { size: maskSize },
    vocab: syntheticVocabulary().toJSON(),
    rules: {
      stuffBands: [1, 2],
      thingsPerImage: [3, 8],
      relations:
        'each thing paired with another object (its container if any), coin-flip subject, relationFromBoxes',
      groundTruth:
        'meta.allRelations: relationFromBoxes for every ordered pair [subject, predicate, object]',
      masks: 'box-relative silhouettes, occlusion ignored, 0-255',
    },
    options: { seed, size, maskSize, shardSize, splits: sizes },
  });
  if (writer.complete) return writer.complete;

  const shardCounts: Record<string, number> = {};
  const total = count;
  let done = 0;
  for (const [split, n] of Object.entries(sizes)) {
    const shards = Math.ceil(n / shardSize);
    shardCounts[split] = shards;
    for (let s = 0; s < shards; s++) {
      const start = s * shardSize;
      const end = Math.min(n, start + shardSize);
      if (!(await writer.isDone(split, s))) {
        const records: ShardRecord[] = [];
        for (let i = start; i < end; i++) {
          const sample = generateSyntheticSample({ seed, split, index: i, size, maskSize });
          records.push({
            key: sample.key,
            graph: sample.graph,
            meta: { allRelations: sample.allRelations },
            image: sample.image,
            masks: sample.masks,
          });
        }
        await writer.writeShard(split, s, records);
      }
      done += end - start;
      opts.onProgress?.({ phase: `${split} shards`, done, total, unit: 'images' });
    }
  }
  return writer.finish(shardCounts, {});
}
