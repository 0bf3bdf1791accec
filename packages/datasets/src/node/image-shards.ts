import type { SceneGraph } from '@sgdiff/scene-graph';
import type { ProgressCallback } from '../progress.js';
import type { DatasetManifest } from '../shards/manifest.js';
import type { ShardRecord } from '../shards/record.js';
import { defaultShardSize } from '../shards/manifest.js';
import { loadResizedImage, mapLimit } from './images.js';
import { ShardedDatasetWriter } from './shard-writer.js';

/** One source image chosen by a dataset's rules, ready to be read, resized and stored. */
export interface PlannedImage {
  key: string;
  path: string;
  graph: SceneGraph;
  masks?: Uint8Array;
  meta: Record<string, unknown>;
}

export interface WriteImageShardsOptions {
  out: string;
  size: number;
  shardSize?: number;
  concurrency?: number;
  plans: Record<string, PlannedImage[]>;
  /** Counts from the selection rules; unreadable images are added per shard. */
  skipped: Record<string, number>;
  head: Parameters<typeof ShardedDatasetWriter.open>[1];
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
}

/**
 * The image phase shared by VG and COCO: reads each planned image with sharp, squashes it to
 * size × size, stores PNG. An unreadable image is skipped with one warning line and counted
 * as `unreadable_image`. Shards already finished by an earlier run are not redone.
 */
export async function writeImageShards(o: WriteImageShardsOptions): Promise<DatasetManifest> {
  const writer = await ShardedDatasetWriter.open(o.out, o.head);
  if (writer.complete) return writer.complete;
  const warn = o.onWarning ?? ((m: string) => console.warn(`warning: ${m}`));
  // PNG shards are a fraction of raw size; aim for the same record counts as raw RGB at 64².
  const shardSize = o.shardSize ?? defaultShardSize(Math.max(64, o.size / 2));
  const total = Object.values(o.plans).reduce((n, p) => n + p.length, 0);
  let done = 0;
  const counts: Record<string, number> = {};
  for (const [split, plan] of Object.entries(o.plans)) {
    const n = Math.ceil(plan.length / shardSize);
    counts[split] = n;
    for (let s = 0; s < n; s++) {
      const chunk = plan.slice(s * shardSize, (s + 1) * shardSize);
      if (!(await writer.isDone(split, s))) {
        const loaded = await mapLimit(chunk, o.concurrency ?? 4, (p) =>
          loadResizedImage(p.path, o.size),
        );
        const records: ShardRecord[] = [];
        let unreadable = 0;
        chunk.forEach((p, i) => {
          const img = loaded[i];
          if (!img) {
            unreadable++;
            warn(`${p.path}: cannot be read as an image, skipped`);
            return;
          }
          records.push({
            key: p.key,
            graph: p.graph,
            meta: p.meta,
            image: img.png,
            masks: p.masks,
          });
        });
        await writer.writeShard(
          split,
          s,
          records,
          unreadable ? { unreadable_image: unreadable } : {},
        );
      }
      done += chunk.length;
      o.onProgress?.({ phase: `${split} images`, done, total, unit: 'images' });
    }
  }
  return writer.finish(counts, o.skipped);
}
