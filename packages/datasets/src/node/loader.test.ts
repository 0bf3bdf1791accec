import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticVocabulary, unpackGraphs } from '@sgdiff/scene-graph';
import { scanShard } from '../shards/record.js';
import { flipImage } from '../loader/flip.js';
import { generateSyntheticSample } from '../synthetic/generate.js';
import { createLoader } from './loader.js';
import { writeSyntheticDataset } from './synthetic/write.js';
import type { Batch } from '../loader/loader.js';

let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sgdiff-loader-'));
  dir = join(root, 'ds');
  // 40 train images in 5 shards of 8.
  await writeSyntheticDataset({ out: dir, count: 50, seed: 11, size: 64, shardSize: 8 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function take(loader: AsyncIterable<Batch>, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) {
    out.push(b);
    if (out.length === n) break;
  }
  return out;
}

describe('createLoader', () => {
  it('yields batches of images, graphs and packed arrays in order without shuffling', async () => {
    const loader = await createLoader({ dir, split: 'train', batchSize: 4, epochs: 1 });
    const batches = await take(loader, 100);
    expect(batches).toHaveLength(10);
    expect(batches[0].keys).toEqual(['train/0', 'train/1', 'train/2', 'train/3']);
    const b = batches[0];
    expect(b.images.length).toBe(4 * 64 * 64 * 3);
    const s2 = generateSyntheticSample({ seed: 11, split: 'train', index: 2, size: 64 });
    expect(
      Buffer.from(b.images.subarray(2 * 64 * 64 * 3, 3 * 64 * 64 * 3)).equals(
        Buffer.from(s2.image),
      ),
    ).toBe(true);
    expect(b.graphs[2]).toEqual(s2.graph);
    expect(b.packed.numGraphs).toBe(4);
    expect(unpackGraphs(b.packed, syntheticVocabulary())[2].objects.map((o) => o.label)).toEqual(
      s2.graph.objects.map((o) => o.label),
    );
    // One mask plane per packed object, the image node's full.
    expect(b.masks!.length).toBe(b.packed.numObjects * 16 * 16);
    const imageNode = b.graphs[0].objects.length;
    expect(b.masks!.subarray(imageNode * 256, (imageNode + 1) * 256).every((v) => v === 255)).toBe(
      true,
    );
  });

  it('shuffles across shards, deterministically by seed, differently per epoch', async () => {
    const run = async (seed: number) =>
      (
        await take(
          await createLoader({
            dir,
            split: 'train',
            batchSize: 8,
            shuffle: true,
            seed,
            shuffleBuffer: 16,
            epochs: 2,
          }),
          100,
        )
      ).flatMap((b) => b.keys);
    const a = await run(1);
    expect(a).toEqual(await run(1));
    expect(a).not.toEqual(await run(2));
    const e0 = a.slice(0, 40);
    const e1 = a.slice(40);
    expect(new Set(e0).size).toBe(40);
    expect(new Set(e1).size).toBe(40);
    expect(e0).not.toEqual(e1);
    // Shard boundaries blur: the first batch draws from more than one shard.
    const shardOf = (k: string) => Math.floor(Number(k.split('/')[1]) / 8);
    expect(new Set(e0.slice(0, 8).map(shardOf)).size).toBeGreaterThan(1);
  });

  it('resumes from a saved position exactly', async () => {
    const opts = {
      dir,
      split: 'train',
      batchSize: 6,
      shuffle: true,
      seed: 5,
      shuffleBuffer: 12,
      augment: true,
      maxObjects: 5,
    };
    const straight = await take(await createLoader(opts), 14);
    const first = await createLoader(opts);
    await take(first, 9);
    const saved = JSON.parse(JSON.stringify(first.position()));
    const resumed = await take(await createLoader({ ...opts, resumeFrom: saved }), 5);
    for (let i = 0; i < 5; i++) {
      expect(resumed[i].keys).toEqual(straight[9 + i].keys);
      expect(resumed[i].graphs).toEqual(straight[9 + i].graphs);
      expect(Buffer.from(resumed[i].images).equals(Buffer.from(straight[9 + i].images))).toBe(true);
    }
  });

  it('flips images, boxes and left/right relations together', async () => {
    const plain = (
      await take(await createLoader({ dir, split: 'train', batchSize: 40, epochs: 1 }), 1)
    )[0];
    const aug = (
      await take(
        await createLoader({
          dir,
          split: 'train',
          batchSize: 40,
          epochs: 1,
          augment: true,
          seed: 3,
        }),
        1,
      )
    )[0];
    const S = 64 * 64 * 3;
    let flipped = 0;
    for (let i = 0; i < 40; i++) {
      const img = aug.images.subarray(i * S, (i + 1) * S);
      const orig = plain.images.subarray(i * S, (i + 1) * S);
      if (Buffer.from(img).equals(Buffer.from(orig))) {
        expect(aug.graphs[i]).toEqual(plain.graphs[i]);
        continue;
      }
      flipped++;
      expect(Buffer.from(img).equals(Buffer.from(flipImage(orig, 64)))).toBe(true);
      plain.graphs[i].objects.forEach((o, k) => {
        const f = aug.graphs[i].objects[k].box!;
        expect(f[0]).toBeCloseTo(1 - o.box![2], 6);
        expect(f[2]).toBeCloseTo(1 - o.box![0], 6);
      });
      const swap: Record<string, string> = { 'left of': 'right of', 'right of': 'left of' };
      expect(aug.graphs[i].relations.map((r) => r.predicate)).toEqual(
        plain.graphs[i].relations.map((r) => swap[r.predicate] ?? r.predicate),
      );
    }
    expect(flipped).toBeGreaterThan(8);
    expect(flipped).toBeLessThan(32);
  });

  it('caps objects per image, keeping those in relations first', async () => {
    const [b] = await take(
      await createLoader({ dir, split: 'train', batchSize: 40, epochs: 1, maxObjects: 3 }),
      1,
    );
    for (const g of b.graphs) {
      expect(g.objects.length).toBeLessThanOrEqual(3);
      const ids = new Set(g.objects.map((o) => o.id));
      for (const r of g.relations) expect(ids.has(r.subject) && ids.has(r.object)).toBe(true);
    }
  });

  it('skips a corrupt record and a truncated shard with one warning each, and keeps going', async () => {
    const bad = join(root, 'bad');
    await writeSyntheticDataset({ out: bad, count: 50, seed: 11, size: 64, shardSize: 8 });
    // Flip a byte inside record 2 of shard 0; cut shard 3 in the middle of its 6th record.
    const p0 = join(bad, 'train-00000.sgds');
    const bytes = new Uint8Array(await readFile(p0));
    const span = scanShard(bytes).spans[2];
    bytes[span.offset + 100] ^= 0xff;
    await writeFile(p0, bytes);
    const p3 = join(bad, 'train-00003.sgds');
    const s3 = scanShard(new Uint8Array(await readFile(p3))).spans[5];
    await truncate(p3, s3.offset + 50);
    const warnings: string[] = [];
    const loader = await createLoader({
      dir: bad,
      split: 'train',
      batchSize: 5,
      epochs: 2,
      // The per-record CRC is what this checks; the shard sha256 would skip both shards whole.
      verifyShards: false,
      onWarning: (m) => warnings.push(m),
    });
    const keys = (await take(loader, 100)).flatMap((b) => b.keys);
    // 40 − 1 corrupt − 3 cut off, twice.
    expect(keys).toHaveLength(2 * 36);
    expect(keys).not.toContain('train/2');
    expect(keys).not.toContain('train/29');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/train-00000.sgds: record 2 is corrupt/);
    expect(warnings[1]).toMatch(/train-00003.sgds: truncated, read 5 of 8/);
    expect(loader.stats()).toMatchObject({ corruptRecords: 1, truncatedShards: 1, records: 72 });
  });

  it('skips a missing shard and refuses a split with nothing readable', async () => {
    const gone = join(root, 'gone');
    await writeSyntheticDataset({ out: gone, count: 50, seed: 11, size: 64, shardSize: 8 });
    await rm(join(gone, 'val-00000.sgds'));
    const warnings: string[] = [];
    const loader = await createLoader({
      dir: gone,
      split: 'val',
      batchSize: 2,
      onWarning: (m) => warnings.push(m),
    });
    await expect(loader.next()).rejects.toThrow(/no readable records/);
    expect(warnings).toEqual(['val-00000.sgds: cannot be read, skipped']);
    await expect(
      createLoader({ dir: join(root, 'nowhere'), split: 'train', batchSize: 1 }),
    ).rejects.toThrow(/no manifest.json/);
    await expect(createLoader({ dir, split: 'nope', batchSize: 1 })).rejects.toThrow(
      /no split "nope"/,
    );
  });

  it('skips and counts a shard whose sha256 does not match the manifest, with one warning', async () => {
    const flipped = join(root, 'flipped');
    await writeSyntheticDataset({ out: flipped, count: 50, seed: 11, size: 64, shardSize: 8 });
    const p1 = join(flipped, 'train-00001.sgds');
    const bytes = new Uint8Array(await readFile(p1));
    // A byte in the middle of an image: every record CRC but one still passes.
    bytes[scanShard(bytes).spans[4].offset + 200] ^= 0x01;
    await writeFile(p1, bytes);
    const warnings: string[] = [];
    const loader = await createLoader({
      dir: flipped,
      split: 'train',
      batchSize: 8,
      epochs: 2,
      onWarning: (m) => warnings.push(m),
    });
    const keys = (await take(loader, 100)).flatMap((b) => b.keys);
    // Shard 1 (train/8 … train/15) is gone whole, in both epochs.
    expect(keys).toHaveLength(2 * 32);
    for (let i = 8; i < 16; i++) expect(keys).not.toContain(`train/${i}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^train-00001\.sgds: sha256 [0-9a-f]{12}… does not match the manifest's [0-9a-f]{12}… \(corrupt or replaced\), shard skipped$/,
    );
    expect(loader.stats()).toMatchObject({ checksumMismatches: 1, records: 64, corruptRecords: 0 });
  });

  it('refuses a shard copied over from another split, and reads old manifests without sha256', async () => {
    const mixed = join(root, 'mixed');
    await writeSyntheticDataset({ out: mixed, count: 50, seed: 11, size: 64, shardSize: 8 });
    await copyFile(join(mixed, 'val-00000.sgds'), join(mixed, 'train-00000.sgds'));
    const loader = await createLoader({ dir: mixed, split: 'train', batchSize: 4, epochs: 1 });
    await expect(loader.next()).rejects.toThrow(
      'train-00000.sgds holds val-00000.sgds of split "val", not split "train": refused',
    );

    // An older manifest without sha256: read as before, with one notice.
    const old = join(root, 'old');
    await writeSyntheticDataset({ out: old, count: 50, seed: 11, size: 64, shardSize: 8 });
    const manifestPath = join(old, 'manifest.json');
    const m = JSON.parse(await readFile(manifestPath, 'utf8'));
    for (const split of Object.values(m.splits) as { shards: { sha256?: string }[] }[])
      for (const e of split.shards) delete e.sha256;
    await writeFile(manifestPath, JSON.stringify(m));
    const warnings: string[] = [];
    const oldLoader = await createLoader({
      dir: old,
      split: 'train',
      batchSize: 8,
      epochs: 1,
      onWarning: (w) => warnings.push(w),
    });
    expect((await take(oldLoader, 100)).flatMap((b) => b.keys)).toHaveLength(40);
    expect(warnings).toEqual([
      'the manifest lists no sha256 for train-00000.sgds (an older dataset?): shard checksums are not checked',
    ]);
  });

  it('refuses manifest shard paths that leave the folder or belong to another split', async () => {
    const evil = join(root, 'evil');
    await writeSyntheticDataset({ out: evil, count: 50, seed: 11, size: 64, shardSize: 8 });
    const manifestPath = join(evil, 'manifest.json');
    const original = await readFile(manifestPath, 'utf8');
    const withFile = async (file: string) => {
      const m = JSON.parse(original);
      m.splits.train.shards[0].file = file;
      await writeFile(manifestPath, JSON.stringify(m));
      return createLoader({ dir: evil, split: 'train', batchSize: 1 });
    };
    await expect(withFile('../ds/train-00000.sgds')).rejects.toThrow(
      'splits.train: shard "../ds/train-00000.sgds" refused: it leaves the dataset folder',
    );
    await expect(withFile('sub/../../train-00000.sgds')).rejects.toThrow(
      /leaves the dataset folder/,
    );
    await expect(withFile('/etc/train-00000.sgds')).rejects.toThrow(/absolute paths/);
    await expect(withFile('val-00000.sgds')).rejects.toThrow(
      'splits.train: shard "val-00000.sgds" refused: its name is not for split "train"',
    );
  });
});
