import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { encodeRecord, shardHeader, type ShardRecord } from '../shards/record.js';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  shardFileName,
  type DatasetManifest,
  type ShardEntry,
  type SplitInfo,
} from '../shards/manifest.js';

/** Progress of an unfinished preparation, so a re-run only makes the missing shards. */
const PROGRESS_FILE = '.progress.json';

interface Progress {
  options: Record<string, unknown>;
  shards: Record<string, ShardEntry & { skipped: Record<string, number> }>;
}

type ManifestHead = Omit<DatasetManifest, 'format' | 'formatVersion' | 'splits' | 'skipped'>;

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/**
 * Writes a dataset folder shard by shard. Each finished shard is recorded in `.progress.json`
 * (written atomically), so an interrupted preparation resumes where it stopped. The options
 * are part of the record: resuming with different ones is refused rather than mixed.
 */
export class ShardedDatasetWriter {
  private constructor(
    readonly dir: string,
    private readonly head: ManifestHead,
    private readonly progress: Progress,
    /** Set when the folder already holds a finished dataset made with the same options. */
    readonly complete?: DatasetManifest,
  ) {}

  static async open(dir: string, head: ManifestHead): Promise<ShardedDatasetWriter> {
    await mkdir(dir, { recursive: true });
    let progress: Progress = { options: head.options, shards: {} };
    const prior = await readFile(join(dir, PROGRESS_FILE), 'utf8').catch(() => undefined);
    if (prior !== undefined) {
      const p = JSON.parse(prior) as Progress;
      if (JSON.stringify(p.options) !== JSON.stringify(head.options)) {
        throw new DatasetError(
          `${dir} holds an unfinished preparation with other options (${JSON.stringify(p.options)}); ` +
            `use another --out or delete it`,
        );
      }
      progress = p;
    } else {
      const manifest = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => undefined);
      if (manifest !== undefined) {
        const m = JSON.parse(manifest) as DatasetManifest;
        if (JSON.stringify(m.options) !== JSON.stringify(head.options)) {
          throw new DatasetError(
            `${dir} already holds a dataset made with other options; use another --out`,
          );
        }
        // A finished dataset: done if every shard is still there; otherwise its intact shards
        // count as done and the rest are made again.
        let intact = true;
        for (const s of Object.values(m.splits)) {
          for (const e of s.shards) {
            const st = await stat(join(dir, e.file)).catch(() => undefined);
            if (st?.size === e.bytes) progress.shards[e.file] = { ...e, skipped: {} };
            else intact = false;
          }
        }
        if (intact) return new ShardedDatasetWriter(dir, head, progress, m);
      }
    }
    return new ShardedDatasetWriter(dir, head, progress);
  }

  /** True when the shard was finished by an earlier run and its file is intact in size. */
  async isDone(split: string, index: number): Promise<boolean> {
    const e = this.progress.shards[shardFileName(split, index)];
    if (!e) return false;
    const st = await stat(join(this.dir, e.file)).catch(() => undefined);
    return st?.size === e.bytes;
  }

  async writeShard(
    split: string,
    index: number,
    records: readonly ShardRecord[],
    skipped: Record<string, number> = {},
  ): Promise<ShardEntry> {
    const file = shardFileName(split, index);
    const parts = [shardHeader(), ...records.map(encodeRecord)];
    const bytes = Buffer.concat(parts);
    await writeAtomic(join(this.dir, file), bytes);
    const entry: ShardEntry = {
      file,
      records: records.length,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      objects: records.reduce((n, r) => n + r.graph.objects.length, 0),
      relations: records.reduce((n, r) => n + r.graph.relations.length, 0),
    };
    this.progress.shards[file] = { ...entry, skipped };
    await writeAtomic(join(this.dir, PROGRESS_FILE), JSON.stringify(this.progress));
    return entry;
  }

  /**
   * Writes `manifest.json` from the recorded shards of each split (in shard order) and drops
   * the progress file. `skipped` holds the counts of the selection phase; counts recorded by
   * shards (e.g. unreadable images) are added to it.
   */
  async finish(
    splitShardCounts: Record<string, number>,
    skipped: Record<string, number>,
  ): Promise<DatasetManifest> {
    const splits: Record<string, SplitInfo> = {};
    const total = { ...skipped };
    for (const [split, n] of Object.entries(splitShardCounts)) {
      const shards: ShardEntry[] = [];
      for (let i = 0; i < n; i++) {
        const e = this.progress.shards[shardFileName(split, i)];
        if (!e) throw new Error(`shard ${shardFileName(split, i)} was never written`);
        const { skipped: sk, ...entry } = e;
        for (const [k, v] of Object.entries(sk)) total[k] = (total[k] ?? 0) + v;
        shards.push(entry);
      }
      splits[split] = {
        images: shards.reduce((a, s) => a + s.records, 0),
        objects: shards.reduce((a, s) => a + s.objects, 0),
        relations: shards.reduce((a, s) => a + s.relations, 0),
        shards,
      };
    }
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      formatVersion: MANIFEST_FORMAT_VERSION,
      ...this.head,
      splits,
      skipped: total,
    };
    await writeAtomic(join(this.dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    await rm(join(this.dir, PROGRESS_FILE), { force: true });
    return manifest;
  }
}
