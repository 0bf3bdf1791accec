import type { RgbaImage, SceneGraph } from '@sgdiff/scene-graph';
import type { ComplianceSummary } from '../compliance/compliance.js';
import { EvalError } from '../errors.js';
import type { ImageBatch } from '../features/feature-extractor.js';
import {
  evaluateImageSet,
  referenceFeatures,
  type Evaluators,
  type ImageSetMetrics,
  type KidSettings,
  type ReferenceFeatures,
} from './evaluate.js';

/** Where a set's images are kept between runs, so that an interrupted evaluation resumes. */
export interface ImageStore {
  /** Image `index` of the set, or undefined when it was not made yet. */
  get(index: number): RgbaImage | undefined | Promise<RgbaImage | undefined>;
  put(index: number, image: RgbaImage): void | Promise<void>;
}

/** One set of images to make and score: a guidance setting, reconstructions, … */
export interface ImageSetSpec {
  key: string;
  /**
   * Images `first … first + graphs.length − 1` of the set. Image i must depend on i alone (e.g.
   * seed + i), so that a resumed run remakes exactly the images it lacks.
   */
  generate(graphs: SceneGraph[], first: number): Promise<RgbaImage[]>;
  /** The graphs the images are scored against (default: `EvaluateModelOptions.graphs`). */
  graphs?: SceneGraph[];
  /** Default: an in-memory store (no resume). */
  store?: ImageStore;
}

export interface EvaluateModelOptions {
  /** The real images (RGB, `[n, side, side, 3]`): the reference of every distance. */
  real: { images: Uint8Array; side: number };
  /** The graphs the sets are generated from and scored against, one per real image. */
  graphs: SceneGraph[];
  sets: ImageSetSpec[];
  evaluators: Evaluators;
  /** The side every generated image must have. */
  side: number;
  /** Images per `generate` call (default 8). */
  batch?: number;
  /** The real images' features, when the caller already has them (else computed here). */
  reference?: ReferenceFeatures;
  kid?: KidSettings;
  /** After each batch: images done over all sets, and the total. */
  onProgress?: (done: number, total: number, key: string) => void;
  /** Stops between batches with an AbortError; what the stores hold stays. */
  signal?: AbortSignal;
}

export interface EvaluatedSet {
  key: string;
  metrics: ImageSetMetrics;
  compliance?: ComplianceSummary;
  /** The set's images, RGBA `[n, side, side, 4]`, for callers that score them further. */
  rgba: Uint8ClampedArray;
}

function memoryStore(): ImageStore {
  const images = new Map<number, RgbaImage>();
  return { get: (i) => images.get(i), put: (i, img) => void images.set(i, img) };
}

function abortError(): Error {
  const e = new Error('evaluation aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Makes every set's images (those its store lacks, in batches) and scores each set against the
 * real images with every available evaluator: FID/KID, compliance, Inception metrics. The model
 * stays outside: `generate` is a callback, so this package needs no diffusion code.
 */
export async function evaluateModel(o: EvaluateModelOptions): Promise<{
  reference: ReferenceFeatures;
  sets: EvaluatedSet[];
}> {
  const n = o.graphs.length;
  if (o.real.images.length !== n * o.real.side * o.real.side * 3)
    throw new EvalError(
      `evaluateModel: ${n} graphs but ${o.real.images.length / (o.real.side * o.real.side * 3)} real images`,
    );
  const batch = Math.max(1, o.batch ?? 8);
  const realBatch: ImageBatch = { data: o.real.images, n, side: o.real.side, channels: 3 };
  const reference = o.reference ?? (await referenceFeatures(realBatch, o.evaluators));
  const stores = o.sets.map((s) => s.store ?? memoryStore());
  // Each image is read (or made) once, checked, and copied into its set's batch for scoring.
  const px = o.side * o.side * 4;
  const images = o.sets.map(() => new Uint8ClampedArray(n * px));
  const total = n * o.sets.length;
  let done = 0;
  for (const [k, set] of o.sets.entries()) {
    const graphs = set.graphs ?? o.graphs;
    for (let s = 0; s < n; s += batch) {
      if (o.signal?.aborted) throw abortError();
      const count = Math.min(batch, n - s);
      const have = await Promise.all(Array.from({ length: count }, (_, j) => stores[k].get(s + j)));
      let made: RgbaImage[] = [];
      if (have.some((img) => img === undefined)) {
        made = await set.generate(graphs.slice(s, s + count), s);
        if (made.length !== count)
          throw new EvalError(`${set.key}: generate returned ${made.length} images for ${count}`);
      }
      for (let j = 0; j < count; j++) {
        const img = have[j] ?? made[j];
        if (!have[j]) await stores[k].put(s + j, img);
        if (img.width !== o.side || img.height !== o.side)
          throw new EvalError(
            `${set.key}: image ${s + j} is ${img.width}×${img.height}, expected ${o.side}×${o.side}`,
          );
        images[k].set(img.rgba, (s + j) * px);
      }
      done += count;
      o.onProgress?.(done, total, set.key);
    }
  }
  const sets: EvaluatedSet[] = [];
  for (const [k, set] of o.sets.entries()) {
    const r = await evaluateImageSet(
      { data: images[k], n, side: o.side, channels: 4 },
      set.graphs ?? o.graphs,
      reference,
      o.evaluators,
      o.kid,
    );
    sets.push({ key: set.key, metrics: r.metrics, compliance: r.compliance, rgba: images[k] });
  }
  return { reference, sets };
}
