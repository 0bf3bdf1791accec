import { packGraphs, Vocabulary, type PackedGraphs, type SceneGraph } from '@sgdiff/scene-graph';
import { DatasetError } from '../errors.js';
import { deriveSeed, Rng } from '../random.js';
import type { DatasetManifest, ShardEntry } from '../shards/manifest.js';
import { decodeRecord, scanShard, type RecordSpan } from '../shards/record.js';
import { flipGraph, flipImage, flipMasks } from './flip.js';
import { selectObjects } from './select.js';

/** Where shard bytes come from: the file system in Node, `fetch` in a browser. */
export interface ShardSource {
  /** The whole shard; rejects if it cannot be read at all. */
  read(file: string): Promise<Uint8Array>;
}

/** Turns stored image bytes into RGB; returns undefined for an undecodable image. */
// returns: Uint8Array [size, size, 3]
export type ImageDecoder = (
  bytes: Uint8Array,
  size: number,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface LoaderOptions {
  split: string;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Random horizontal flips (probability 0.5 per image). */
  augment?: boolean;
  /** Real objects kept per image (the `__image__` node comes on top); all when unset. */
  maxObjects?: number;
  /** Passes over the split; endless when unset. A finite run yields its last partial batch. */
  epochs?: number;
  /** Records in the shuffle buffer. */
  shuffleBuffer?: number;
  /** Drop the last partial batch of a finite run. */
  dropLast?: boolean;
  /** Continue from a `position()` saved earlier with the same options. */
  resumeFrom?: LoaderPosition;
  /**
   * Check each shard's sha256 against the manifest when it is opened (default true): a
   * mismatch skips the whole shard and is counted. Off, only the per-record CRC-32 guards.
   */
  verifyShards?: boolean;
  /** One line per problem (a corrupt record, a truncated or missing shard). */
  onWarning?: (message: string) => void;
}

/** Everything needed to continue exactly where a loader stopped (JSON-serialisable). */
export interface LoaderPosition {
  epoch: number;
  /** Next shard, as an index into this epoch's shard order. */
  shardCursor: number;
  /** Next record within that shard. */
  recordCursor: number;
  /** The shuffle buffer, as [shard index in the manifest, record index]. */
  buffer: [number, number][];
  rng: number;
  batches: number;
}

export interface Batch {
  // images: Uint8Array [B, H, W, 3]
  images: Uint8Array;
  graphs: SceneGraph[];
  packed: PackedGraphs;
  // masks: Uint8Array [packed.numObjects, M, M] aligned with packed.objs (the image node is
  // all 255); absent when the dataset has no masks
  masks?: Uint8Array;
  keys: string[];
  /** Per sample, whether augmentation flipped it horizontally (cached latents are per orientation). */
  flipped: boolean[];
  /** Index of the epoch that the batch's last sample came from. */
  epoch: number;
}

export interface LoaderStats {
  records: number;
  corruptRecords: number;
  corruptImages: number;
  truncatedShards: number;
  missingShards: number;
  /** Shards whose sha256 differs from the manifest's: skipped whole. */
  checksumMismatches: number;
}

interface LoadedShard {
  bytes: Uint8Array;
  spans: RecordSpan[];
}

interface Sample {
  key: string;
  image: Uint8Array;
  graph: SceneGraph;
  masks?: Uint8Array;
  flipped?: boolean;
}

/**
 * Streams batches from a split's shards through a seeded shuffle buffer, epoch after epoch.
 * Shard order is reshuffled each epoch (seeded by epoch); the buffer's picks, object
 * selection and flips share one RNG whose state is part of the position, so a resumed loader
 * yields exactly the batches the original would have.
 */
export class ShardLoader implements AsyncIterable<Batch> {
  readonly vocab: Vocabulary;
  readonly imageSize: number;
  readonly maskSize: number | undefined;
  private readonly shards: ShardEntry[];
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly bufferSize: number;
  private readonly warn: (m: string) => void;
  private readonly cache = new Map<number, Promise<LoadedShard>>();
  private readonly warned = new Set<string>();
  /** Shards whose sha256 matched once; a re-read in a later epoch is not hashed again. */
  private readonly verified = new Set<number>();
  private readonly rng: Rng;
  private pos: LoaderPosition;
  private order: number[] = [];
  private finished = false;
  private emptyEpochs = 0;
  private recordsAtEpochStart = 0;
  private readonly statsCounts: LoaderStats = {
    records: 0,
    corruptRecords: 0,
    corruptImages: 0,
    truncatedShards: 0,
    missingShards: 0,
    checksumMismatches: 0,
  };
  /** sha256 → the shard of another split that has it, to name a shard copied across splits. */
  private readonly otherSplitShards = new Map<string, { split: string; file: string }>();

  constructor(
    manifest: DatasetManifest,
    private readonly source: ShardSource,
    private readonly decodeImage: ImageDecoder,
    private readonly opts: LoaderOptions,
  ) {
    const split = manifest.splits[opts.split];
    if (!split) {
      throw new DatasetError(
        `no split "${opts.split}" in this dataset (it has ${Object.keys(manifest.splits).join(', ')})`,
      );
    }
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
      throw new DatasetError(`batchSize ${opts.batchSize}: need a positive integer`);
    this.vocab = Vocabulary.fromJSON(manifest.vocab);
    this.imageSize = manifest.image.size;
    this.maskSize = manifest.masks?.size;
    this.shards = split.shards;
    for (const [name, info] of Object.entries(manifest.splits)) {
      if (name === opts.split) continue;
      for (const e of info.shards)
        if (typeof e.sha256 === 'string')
          this.otherSplitShards.set(e.sha256, { split: name, file: e.file });
    }
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.bufferSize = this.shuffle ? Math.max(1, opts.shuffleBuffer ?? 1024) : 1;
    this.warn = opts.onWarning ?? ((m) => console.warn(`warning: ${m}`));
    this.pos = opts.resumeFrom
      ? structuredClone(opts.resumeFrom)
      : {
          epoch: 0,
          shardCursor: 0,
          recordCursor: 0,
          buffer: [],
          rng: deriveSeed(this.seed, 0x10ad),
          batches: 0,
        };
    this.rng = new Rng(this.pos.rng);
    this.order = this.epochOrder(this.pos.epoch);
  }

  /** The position to resume from after the batches yielded so far. */
  position(): LoaderPosition {
    return structuredClone({ ...this.pos, rng: this.rng.state });
  }

  stats(): LoaderStats {
    return { ...this.statsCounts };
  }

  private epochOrder(epoch: number): number[] {
    const order = this.shards.map((_, i) => i);
    return this.shuffle ? new Rng(deriveSeed(this.seed, 0x5a4d, epoch)).shuffle(order) : order;
  }

  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.warn(message);
  }

  private countOnce(file: string, counter: keyof LoaderStats): void {
    if (this.warned.has(`count:${file}`)) return;
    this.warned.add(`count:${file}`);
    this.statsCounts[counter]++;
  }

  /**
   * Compares a shard with the manifest's sha256. A shard holding another split's content is
   * refused (DatasetError): training on val data must not pass as a bad download.
   */
  private async checksumMatches(entry: ShardEntry, bytes: Uint8Array): Promise<boolean> {
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(entry.sha256)) {
      this.warnOnce(
        'no-sha256',
        `the manifest lists no sha256 for ${entry.file} (an older dataset?): shard checksums are not checked`,
      );
      return true;
    }
    const actual = await sha256Hex(bytes);
    if (actual === entry.sha256.toLowerCase()) return true;
    const other = this.otherSplitShards.get(actual);
    if (other) {
      throw new DatasetError(
        `${entry.file} holds ${other.file} of split "${other.split}", not split "${this.opts.split}": refused (restore the shard or prepare the dataset again)`,
      );
    }
    this.countOnce(entry.file, 'checksumMismatches');
    this.warnOnce(
      entry.file,
      `${entry.file}: sha256 ${actual.slice(0, 12)}… does not match the manifest's ${entry.sha256.slice(0, 12)}… (corrupt or replaced), shard skipped`,
    );
    return false;
  }

  private shard(index: number): Promise<LoadedShard> {
    let p = this.cache.get(index);
    if (!p) {
      const entry = this.shards[index];
      const empty = { bytes: new Uint8Array(0), spans: [] };
      p = this.source.read(entry.file).then(
        async (bytes) => {
          if (this.opts.verifyShards !== false && !this.verified.has(index)) {
            if (!(await this.checksumMatches(entry, bytes))) return empty;
            this.verified.add(index);
          }
          const scan = scanShard(bytes);
          if (!scan.validHeader) {
            this.warnOnce(entry.file, `${entry.file}: not a shard (bad header), skipped`);
            this.countOnce(entry.file, 'truncatedShards');
            return { bytes, spans: [] };
          }
          if (scan.truncated || scan.spans.length < entry.records) {
            this.countOnce(entry.file, 'truncatedShards');
            this.warnOnce(
              entry.file,
              `${entry.file}: truncated, read ${scan.spans.length} of ${entry.records} records, the rest skipped`,
            );
          }
          return { bytes, spans: scan.spans };
        },
        () => {
          this.countOnce(entry.file, 'missingShards');
          this.warnOnce(entry.file, `${entry.file}: cannot be read, skipped`);
          return empty;
        },
      );
      this.cache.set(index, p);
    }
    return p;
  }

  /** Drops cached shards that neither the buffer nor the read cursor needs. */
  private evict(): void {
    const needed = new Set(this.pos.buffer.map(([s]) => s));
    const current = this.order[this.pos.shardCursor];
    if (current !== undefined) needed.add(current);
    for (const k of this.cache.keys()) if (!needed.has(k)) this.cache.delete(k);
  }

  /** The next record reference, or undefined when the run is over. */
  private async nextRef(): Promise<[number, number] | undefined> {
    const epochs = this.opts.epochs ?? Infinity;
    for (;;) {
      if (this.pos.epoch >= epochs) return undefined;
      const p = this.pos;
      while (p.buffer.length < this.bufferSize && p.shardCursor < this.order.length) {
        const s = this.order[p.shardCursor];
        const loaded = await this.shard(s);
        if (p.recordCursor < loaded.spans.length) {
          p.buffer.push([s, p.recordCursor++]);
        } else {
          p.shardCursor++;
          p.recordCursor = 0;
          // Evicting only when the cursor moves keeps this off the per-record path.
          this.evict();
        }
      }
      if (p.buffer.length > 0) {
        const j = this.shuffle ? Math.floor(this.rng.next() * p.buffer.length) : 0;
        const ref = p.buffer[j];
        if (this.shuffle) {
          p.buffer[j] = p.buffer[p.buffer.length - 1];
          p.buffer.pop();
        } else p.buffer.shift();
        return ref;
      }
      // The epoch is exhausted: start the next one.
      // Two passes in a row without one readable record: the split is unusable, not unlucky.
      if (this.statsCounts.records === this.recordsAtEpochStart && ++this.emptyEpochs >= 2)
        throw new DatasetError(`split "${this.opts.split}" has no readable records`);
      if (this.statsCounts.records !== this.recordsAtEpochStart) this.emptyEpochs = 0;
      this.recordsAtEpochStart = this.statsCounts.records;
      p.epoch++;
      p.shardCursor = 0;
      p.recordCursor = 0;
      this.order = this.epochOrder(p.epoch);
      this.evict();
    }
  }

  private async nextSample(): Promise<Sample | undefined> {
    for (;;) {
      const ref = await this.nextRef();
      if (!ref) return undefined;
      const [s, r] = ref;
      const loaded = await this.shard(s);
      const span = loaded.spans[r];
      const file = this.shards[s].file;
      const rec = decodeRecord(loaded.bytes.subarray(span.offset, span.offset + span.length));
      if (!rec) {
        if (!this.warned.has(`rec:${s}:${r}`)) this.statsCounts.corruptRecords++;
        this.warnOnce(`rec:${s}:${r}`, `${file}: record ${r} is corrupt (checksum), skipped`);
        continue;
      }
      const image = await this.decodeImage(rec.image, this.imageSize);
      if (!image || image.length !== this.imageSize * this.imageSize * 3) {
        if (!this.warned.has(`img:${rec.key}`)) this.statsCounts.corruptImages++;
        this.warnOnce(`img:${rec.key}`, `${file}: image of ${rec.key} cannot be decoded, skipped`);
        continue;
      }
      this.statsCounts.records++;
      return { key: rec.key, image, graph: rec.graph, masks: rec.masks };
    }
  }

  /** Selection and augmentation, in a fixed order of RNG draws. */
  private transform(sample: Sample): Sample {
    const { graph, kept } = selectObjects(sample.graph, this.opts.maxObjects, this.rng);
    const M = this.maskSize;
    let masks: Uint8Array | undefined;
    if (M && sample.masks && sample.masks.length === sample.graph.objects.length * M * M) {
      masks = new Uint8Array(kept.length * M * M);
      kept.forEach((k, i) =>
        masks!.set(sample.masks!.subarray(k * M * M, (k + 1) * M * M), i * M * M),
      );
    }
    if (this.opts.augment && this.rng.next() < 0.5) {
      return {
        key: sample.key,
        image: flipImage(sample.image, this.imageSize),
        graph: flipGraph(graph),
        masks: masks && flipMasks(masks, M!),
        flipped: true,
      };
    }
    return { key: sample.key, image: sample.image, graph, masks };
  }

  /** The next batch, or undefined when a finite run is over. */
  async next(): Promise<Batch | undefined> {
    if (this.finished) return undefined;
    const B = this.opts.batchSize;
    const samples: Sample[] = [];
    let epoch = this.pos.epoch;
    while (samples.length < B) {
      const s = await this.nextSample();
      if (!s) break;
      epoch = this.pos.epoch;
      samples.push(this.transform(s));
    }
    if (samples.length < B) {
      this.finished = true;
      if (samples.length === 0 || this.opts.dropLast) return undefined;
    }
    this.pos.batches++;
    return this.assemble(samples, epoch);
  }

  private assemble(samples: Sample[], epoch: number): Batch {
    const S = this.imageSize;
    const images = new Uint8Array(samples.length * S * S * 3);
    samples.forEach((s, i) => images.set(s.image, i * S * S * 3));
    const graphs = samples.map((s) => s.graph);
    const packed = packGraphs(graphs, this.vocab);
    const batch: Batch = {
      images,
      graphs,
      packed,
      keys: samples.map((s) => s.key),
      flipped: samples.map((s) => s.flipped === true),
      epoch,
    };
    const M = this.maskSize;
    if (M && samples.every((s) => s.masks && s.masks.length === s.graph.objects.length * M * M)) {
      // packGraphs puts each graph's objects first, then its image node.
      const masks = new Uint8Array(packed.numObjects * M * M);
      let o = 0;
      for (const s of samples) {
        masks.set(s.masks!, o * M * M);
        o += s.graph.objects.length;
        masks.fill(255, o * M * M, (o + 1) * M * M);
        o++;
      }
      batch.masks = masks;
    }
    return batch;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (;;) {
      const b = await this.next();
      if (!b) return;
      yield b;
    }
  }
}

/** Hex sha256 through Web Crypto, which Node and browsers both have. */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Web Crypto takes no SharedArrayBuffer view; shard bytes never live in one.
  const view = bytes as Uint8Array<ArrayBuffer>;
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', view));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
