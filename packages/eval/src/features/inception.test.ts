import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { EvalError } from '../errors.js';
import { loadInceptionFromPath } from '../node/inception-loader.js';
import { evaluateImageSet, referenceFeatures } from '../report/evaluate.js';
import type { ImageBatch } from './feature-extractor.js';
import { InceptionExtractor, type InceptionLikeModel } from './inception.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

/**
 * A randomly initialised stand-in with InceptionV3's interface: 299×299 in, pooled features and
 * logits out (8 and 5 wide instead of 2048 and 1008). It records the inputs it saw.
 */
function randomInception(
  dim = 8,
  classes = 5,
): InceptionLikeModel & { seen: { shape: number[]; min: number; max: number }[] } {
  const w = tf.randomNormal([5, 5, 3, dim], 0, 0.3, 'float32', 1);
  const head = tf.randomNormal([dim, classes], 0, 1, 'float32', 2);
  const seen: { shape: number[]; min: number; max: number }[] = [];
  return {
    seen,
    predict(x) {
      seen.push({ shape: x.shape, min: tf.min(x).dataSync()[0], max: tf.max(x).dataSync()[0] });
      const h = tf.relu(tf.conv2d(x, w as tf.Tensor4D, 4, 'same'));
      const pool = tf.mean(h, [1, 2]);
      return { pool, logits: tf.matMul(pool as tf.Tensor2D, head as tf.Tensor2D) };
    },
    dispose: () => tf.dispose([w, head]),
  };
}

function images(n: number, side: number, seed: number, channels: 3 | 4 = 3): ImageBatch {
  const data = new Uint8Array(n * side * side * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, n, side, channels };
}

describe('InceptionExtractor (random network of the same interface)', () => {
  it('resizes to 299, scales to [−1, 1], and gives features and probabilities', async () => {
    const model = randomInception();
    const ex = new InceptionExtractor(model, { batchSize: 3 });
    const batch = images(5, 16, 1, 4);
    const before = tf.memory().numTensors;
    const f = await ex.features(batch);
    const { probs, numClasses } = await ex.probs(batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(f.length).toBe(5 * 8);
    expect(ex.dim).toBe(8);
    expect(numClasses).toBe(5);
    for (let i = 0; i < 5; i++)
      expect(probs.subarray(i * 5, i * 5 + 5).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    expect(model.seen[0].shape).toEqual([3, 299, 299, 3]);
    expect(model.seen[1].shape).toEqual([2, 299, 299, 3]);
    expect(model.seen[0].min).toBeGreaterThanOrEqual(-1);
    expect(model.seen[0].max).toBeLessThanOrEqual(1);
    // A batch split differently gives the same features.
    const whole = await new InceptionExtractor(model, { batchSize: 5 }).features(batch);
    whole.forEach((v, i) => expect(f[i]).toBeCloseTo(v, 5));
    ex.dispose();
  });

  it('feeds FID, KID and IS through evaluateImageSet', async () => {
    const model = randomInception();
    const ex = new InceptionExtractor(model);
    const real = images(12, 16, 2);
    const fake = images(12, 16, 3);
    const ref = await referenceFeatures(real, { inception: ex });
    const graphs = Array.from({ length: 12 }, () => ({ objects: [], relations: [] }));
    const { metrics } = await evaluateImageSet(
      fake,
      graphs,
      ref,
      { inception: ex },
      { subsets: 5, subsetSize: 6 },
    );
    expect(metrics.fidInception).toBeGreaterThan(0);
    expect(metrics.kidInception).toBeDefined();
    expect(metrics.inceptionScore!.mean).toBeGreaterThanOrEqual(1);
    expect(metrics.objectRecall).toBeUndefined();
    ex.dispose();
  });

  it('rejects bad batches and mismatched feature dims', async () => {
    const model = randomInception();
    const ex = new InceptionExtractor(model);
    await expect(
      ex.features({ data: new Uint8Array(10), n: 2, side: 4, channels: 3 }),
    ).rejects.toThrow(/bytes are not 2 images/);
    const ref = await referenceFeatures(images(6, 16, 4), { inception: ex });
    const other = new InceptionExtractor(randomInception(6));
    const graphs = Array.from({ length: 6 }, () => ({ objects: [], relations: [] }));
    await expect(
      evaluateImageSet(images(6, 16, 5), graphs, ref, { inception: other }),
    ).rejects.toThrow(/6 per image here, 8 for the reference/);
    await expect(
      evaluateImageSet(images(6, 16, 5), graphs.slice(1), ref, { inception: ex }),
    ).rejects.toThrow(EvalError);
    ex.dispose();
    other.dispose();
  });

  it('needs at least 2 images per set, and warns (and regularises) when N ≤ dim', async () => {
    const ex = new InceptionExtractor(randomInception());
    const one = await referenceFeatures(images(1, 16, 6), { inception: ex });
    await expect(
      evaluateImageSet(images(1, 16, 7), [{ objects: [], relations: [] }], one, { inception: ex }),
    ).rejects.toThrow(/at least 2 images/);
    const ref = await referenceFeatures(images(4, 16, 8), { inception: ex });
    const graphs = Array.from({ length: 4 }, () => ({ objects: [], relations: [] }));
    const { metrics } = await evaluateImageSet(images(4, 16, 9), graphs, ref, { inception: ex });
    expect(metrics.warnings.join(' ')).toMatch(/singular|few|N ≤ dim|≤/);
    expect(Number.isFinite(metrics.fidInception)).toBe(true);
    ex.dispose();
  });
});

describe('loadInceptionFromPath', () => {
  it('says clearly when the model folder is missing or is not a tfjs model', async () => {
    await expect(loadInceptionFromPath('/nonexistent/inception')).rejects.toThrow(
      /--inception \/nonexistent\/inception: no such folder/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'sgdiff-inception-'));
    await expect(loadInceptionFromPath(empty)).rejects.toThrow(/no model.json/);
  });
});
