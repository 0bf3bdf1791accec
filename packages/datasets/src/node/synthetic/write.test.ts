import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { decodeRecord, scanShard } from '../../shards/record.js';
import { generateSyntheticSample } from '../../synthetic/generate.js';
import { writeSyntheticDataset } from './write.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sgdiff-synth-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const opts = { count: 50, seed: 3, size: 64, shardSize: 16 };

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) {
    out[f] = createHash('sha256')
      .update(await readFile(join(dir, f)))
      .digest('hex');
  }
  return out;
}

describe('writeSyntheticDataset', () => {
  it('writes 80/10/10 shards with a checksummed manifest', async () => {
    const dir = join(root, 'a');
    const m = await writeSyntheticDataset({ ...opts, out: dir });
    expect(m.dataset).toBe('synthetic');
    expect(m.vocab).toEqual(syntheticVocabulary().toJSON());
    expect(m.image).toEqual({ size: 64, channels: 3, encoding: 'rgb' });
    expect(m.splits.train.images).toBe(40);
    expect(m.splits.val.images).toBe(5);
    expect(m.splits.test.images).toBe(5);
    expect(m.splits.train.shards.map((s) => s.records)).toEqual([16, 16, 8]);
    const files = await filesOf(dir);
    expect(Object.keys(files)).toEqual([
      'manifest.json',
      'test-00000.sgds',
      'train-00000.sgds',
      'train-00001.sgds',
      'train-00002.sgds',
      'val-00000.sgds',
    ]);
    for (const s of Object.values(m.splits).flatMap((x) => x.shards))
      expect(files[s.file]).toBe(s.sha256);

    // Record 3 of train shard 1 is train sample 19, exactly as generated alone.
    const bytes = new Uint8Array(await readFile(join(dir, 'train-00001.sgds')));
    const span = scanShard(bytes).spans[3];
    const rec = decodeRecord(bytes.subarray(span.offset, span.offset + span.length))!;
    const alone = generateSyntheticSample({ seed: 3, split: 'train', index: 19, size: 64 });
    expect(rec.key).toBe('train/19');
    expect(Buffer.from(rec.image).equals(Buffer.from(alone.image))).toBe(true);
    expect(rec.graph).toEqual(alone.graph);
    expect(rec.meta).toEqual({ allRelations: alone.allRelations });
    const objects = m.splits.train.shards.reduce((n, s) => n + s.objects, 0);
    expect(m.splits.train.objects).toBe(objects);
  });

  it('is byte-identical on a re-run and resumes an interrupted run', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    // Interrupt after the second shard.
    let shards = 0;
    await expect(
      writeSyntheticDataset({
        ...opts,
        out: b,
        onProgress: () => {
          if (++shards === 2) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect((await readdir(b)).sort()).toEqual([
      '.progress.json',
      'train-00000.sgds',
      'train-00001.sgds',
    ]);
    const phases: string[] = [];
    await writeSyntheticDataset({
      ...opts,
      out: b,
      onProgress: (e) => phases.push(`${e.phase} ${e.done}`),
    });
    expect(await filesOf(b)).toEqual(await filesOf(a));
    expect(phases[0]).toBe('train shards 16');

    // Finished: a third run changes nothing; other options are refused.
    await writeSyntheticDataset({ ...opts, out: b });
    expect(await filesOf(b)).toEqual(await filesOf(a));
    await expect(writeSyntheticDataset({ ...opts, seed: 4, out: b })).rejects.toThrow(
      /other options/,
    );
  });

  it('honours explicit val/test counts and rejects bad ones', async () => {
    const m = await writeSyntheticDataset({
      ...opts,
      count: 20,
      val: 2,
      test: 0,
      out: join(root, 'c'),
    });
    expect([m.splits.train.images, m.splits.val.images, m.splits.test.images]).toEqual([18, 2, 0]);
    await expect(
      writeSyntheticDataset({ ...opts, size: 100, out: join(root, 'd') }),
    ).rejects.toThrow(/64, 128, 256/);
    await expect(
      writeSyntheticDataset({ ...opts, val: 40, test: 40, out: join(root, 'd') }),
    ).rejects.toThrow(/exceed/);
  });
});
