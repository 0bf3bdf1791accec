import { open, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { flipImage } from '@sgdiff/datasets';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import { imagesToTensor, type AutoencoderKL } from '@sgdiff/diffusion';
import { tf } from '@sgdiff/nn';
import { writeDirAtomically } from '@sgdiff/nn/node';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { createProgress } from './progress.js';
import { warnLine } from './data.js';

/** Folder of a train-autoencoder run that holds pre-encoded latents. */
export const LATENTS_DIR = 'latents';

const LatentIndex = z.object({
  format: z.literal('sgdiff-latents'),
  formatVersion: z.literal(1),
  /** The autoencoder checkpoint the moments came from, relative to the run folder. */
  checkpoint: z.string(),
  split: z.string(),
  /** Per record: [h, w, 2·zC] float32 moments (mean then logvar), first as stored, then flipped. */
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  keys: z.array(z.string()),
});
type LatentIndex = z.infer<typeof LatentIndex>;

/**
 * Encodes a split through the frozen autoencoder, both orientations of every image (the loader
 * flips half of them), into `<run>/latents/<split>.f32` and `<split>.json`, written atomically.
 * Diffusion training then reads posterior moments instead of running the encoder each step.
 */
export async function encodeLatents(o: {
  runDir: string;
  checkpointDir: string;
  data: string;
  split?: string;
  autoencoder: AutoencoderKL;
  size: number;
  batch?: number;
}): Promise<{ records: number; bytes: number; dir: string }> {
  const split = o.split ?? 'train';
  const batchSize = o.batch ?? 64;
  const loader = await createLoader({
    dir: o.data,
    split,
    batchSize,
    epochs: 1,
    onWarning: warnLine,
  });
  const dir = join(o.runDir, LATENTS_DIR);
  const keys: string[] = [];
  let shape: [number, number, number] = [0, 0, 0];
  let bytes = 0;
  const wasTraining = o.autoencoder.training;
  o.autoencoder.eval();
  await writeDirAtomically(dir, async (tmp) => {
    const file = await open(join(tmp, `${split}.f32`), 'w');
    const manifest = await readManifest(o.data);
    const total =
      (manifest.splits as Record<string, { images: number } | undefined>)[split]?.images ?? 0;
    const progress = createProgress('encode latents', total);
    try {
      for (let batch = await loader.next(); batch; batch = await loader.next()) {
        const n = batch.graphs.length;
        const px = o.size * o.size * 3;
        const flipped = new Uint8Array(batch.images.length);
        for (let i = 0; i < n; i++)
          flipped.set(flipImage(batch.images.subarray(i * px, (i + 1) * px), o.size), i * px);
        const moments = tf.tidy(() => {
          const both = tf.concat([
            imagesToTensor(batch.images, n, o.size),
            imagesToTensor(flipped, n, o.size),
          ]);
          const d = o.autoencoder.encode(both as tf.Tensor4D);
          const m = tf.concat([d.mean, d.logvar], 3); // [2n, h, w, 2zC]
          shape = [m.shape[1], m.shape[2], m.shape[3]] as [number, number, number];
          // Record-major: each record's original then flipped moments.
          const [orig, flip] = tf.split(m, 2, 0);
          return tf.stack([orig, flip], 1);
        });
        const values = (await moments.data()) as Float32Array;
        moments.dispose();
        await file.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        bytes += values.byteLength;
        keys.push(...batch.keys);
        progress.update(keys.length);
      }
    } finally {
      progress.stop();
      await file.close();
      o.autoencoder.train(wasTraining);
    }
    if (!keys.length) throw new UserError(`${o.data}: the "${split}" split has no readable images`);
    const index: LatentIndex = {
      format: 'sgdiff-latents',
      formatVersion: 1,
      checkpoint: relative(o.runDir, o.checkpointDir),
      split,
      shape,
      keys,
    };
    await writeFile(join(tmp, `${split}.json`), JSON.stringify(index) + '\n');
  });
  return { records: keys.length, bytes, dir };
}

/** Random access to pre-encoded moments by record key and orientation (positional reads). */
export interface LatentCache {
  /** [B, h, w, 2·zC] moments for a batch, each record flipped or not as the loader drew it. */
  read(keys: string[], flipped: boolean[]): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function openLatentCache(
  autoencoderRun: string,
  checkpointDir: string,
  split = 'train',
): Promise<LatentCache> {
  const dir = join(autoencoderRun, LATENTS_DIR);
  let index: LatentIndex;
  try {
    index = LatentIndex.parse(JSON.parse(await readFile(join(dir, `${split}.json`), 'utf8')));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'none there' : 'unreadable';
    throw new UserError(
      `--latents: ${join(dir, `${split}.json`)}: ${why} (run sgdiff train-autoencoder --out ${autoencoderRun} --resume --encode-latents)`,
    );
  }
  if (resolve(autoencoderRun, index.checkpoint) !== resolve(checkpointDir))
    throw new UserError(
      `--latents: the cached latents come from ${index.checkpoint}, the training uses ${relative(autoencoderRun, checkpointDir)}; re-run --encode-latents`,
    );
  const per = index.shape[0] * index.shape[1] * index.shape[2];
  const file = await open(join(dir, `${split}.f32`), 'r');
  const { size } = await file.stat();
  if (size !== index.keys.length * 2 * per * 4) {
    await file.close();
    throw new UserError(
      `--latents: ${join(dir, `${split}.f32`)} holds ${size} bytes, expected ${index.keys.length * 2 * per * 4} (truncated? re-run --encode-latents)`,
    );
  }
  const row = new Map(index.keys.map((k, i) => [k, i]));
  return {
    async read(keys, flipped) {
      const out = new Float32Array(keys.length * per);
      await Promise.all(
        keys.map(async (key, i) => {
          const r = row.get(key);
          if (r === undefined)
            throw new UserError(
              `--latents: record ${key} is not in the cache (the dataset changed? re-run --encode-latents)`,
            );
          const at = (r * 2 + (flipped[i] ? 1 : 0)) * per * 4;
          await file.read(new Uint8Array(out.buffer, i * per * 4, per * 4), 0, per * 4, at);
        }),
      );
      return out;
    },
    close: () => file.close(),
  };
}
