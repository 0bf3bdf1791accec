import { loadCheckpointInto, tf, type Module, type ProgressEvent } from '@sgdiff/nn';
import { packForEncoder, SceneGraphEncoder, type EncoderConfig } from '@sgdiff/encoder';
import {
  invertRelations,
  parseSceneGraphSource,
  sampleGraphLayout,
  validateSceneGraph,
  Vocabulary,
  type Box,
  type RgbaImage,
  type SceneGraph,
} from '@sgdiff/scene-graph';
import { AutoencoderKL } from '../autoencoder/autoencoder-kl.js';
import { disposeTokens } from '../conditioning/graph-context.js';
import { layoutSlots } from '../conditioning/layout-map.js';
import { imagesToTensor, rgbToRgba, tensorToImages } from '../images/convert.js';
import { ddimInvert } from '../samplers/ddim-inversion.js';
import { concatContext, Denoiser, disposeCond, type ContextCond } from '../ldm/denoiser.js';
import { withGuidance } from '../guidance.js';
import { resolveSettings } from './settings.js';
import { Rng } from '../noise.js';
import { getSampler, type SamplerName } from '../samplers/index.js';
import type { SamplerStep } from '../samplers/types.js';
import { makeNoiseSchedule, type NoiseSchedule } from '../schedules.js';
import { MODEL_MANIFEST, ModelError, parseModelManifest, type ModelManifest } from './manifest.js';

/** How the pipeline reads a model directory: fetch in the browser, the file system in Node. */
export interface ModelSource {
  readJson(path: string): Promise<unknown>;
  loadInto(module: Module, path: string, onProgress?: (e: ProgressEvent) => void): Promise<void>;
}

/** A URL prefix read with fetch; checkpoints go through @sgdiff/nn's checked, cached loader. */
export function fetchModelSource(): ModelSource {
  return {
    async readJson(url) {
      const res = await fetch(url);
      if (!res.ok) throw new ModelError(`${url}: HTTP ${res.status}`);
      return res.json();
    },
    async loadInto(module, url, onProgress) {
      await loadCheckpointInto(module, url, { onProgress });
    },
  };
}

export interface LoadPipelineOptions {
  source?: ModelSource;
  /** transformers.js-style `{status, file, loaded, total}` per checkpoint file. */
  onProgress?: (e: ProgressEvent & { part: string }) => void;
}

export interface GenerateOptions {
  seed?: number;
  steps?: number;
  sampler?: SamplerName;
  guidance?: number;
  /**
   * Relation guidance r ≥ 0: also runs the model on each graph with its relations inverted
   * (`invertRelations`) and adds r·(ε_graph − ε_inverted), pushing the layout towards what the
   * predicates say and away from their opposite. Costs a third model call per step; 0 skips it.
   */
  relationGuidance?: number;
  /**
   * Guidance `scale` instead of `guidance` at timesteps below `below` (the low-noise end).
   * Default: the model's, when `guidance` is not given either; else none (`resolveSettings`).
   * `null`: none.
   */
  lateGuidance?: { below: number; scale: number } | null;
  /** DDIM's η (0: deterministic). */
  eta?: number;
  /** Called at every sampler step; `x` and `denoised` are scaled latents, valid during the call. */
  onStep?: (step: SamplerStep) => void | Promise<void>;
  signal?: AbortSignal;
  /** Starting noise [B, h, w, c] (e.g. from `invert`) instead of the seeded one. */
  noise?: Float32Array;
}

/** A generated image (`RgbaImage` from @sgdiff/scene-graph) and the seed it was drawn with. */
export interface GeneratedImage extends RgbaImage {
  seed: number;
}

export interface GenerateResult {
  images: GeneratedImage[];
  /** latents: [B, h, w, c] scaled, as the sampler ended; feed to `decode` or keep for edits. */
  latents: Float32Array;
  latentShape: [number, number, number, number];
  /**
   * For a model with layout input: each graph with the boxes it was drawn with (its own, and
   * for objects without one, boxes drawn from the model's layout prior).
   */
  layouts?: SceneGraph[];
}

function join(dir: string, part: string): string {
  return `${dir.replace(/\/+$/, '')}/${part}`;
}

/**
 * Scene graph → image with a model directory: graph encoder → context, guided sampling in the
 * latent space, autoencoder decode. Works in Node and the browser.
 */
export class SGDiffPipeline {
  readonly schedule: NoiseSchedule;

  constructor(
    readonly manifest: ModelManifest,
    readonly vocab: Vocabulary,
    readonly encoder: SceneGraphEncoder,
    readonly autoencoder: AutoencoderKL,
    readonly denoiser: Denoiser,
  ) {
    this.schedule = makeNoiseSchedule(manifest.schedule);
    for (const m of [encoder, autoencoder, denoiser]) m.eval();
  }

  /** Loads `sgdiff.json` and the three checkpoints, each checked before anything is allocated. */
  static async load(dir: string, options: LoadPipelineOptions = {}): Promise<SGDiffPipeline> {
    const source = options.source ?? fetchModelSource();
    const manifestPath = join(dir, MODEL_MANIFEST);
    let json: unknown;
    try {
      json = await source.readJson(manifestPath);
    } catch (e) {
      throw new ModelError(
        `${manifestPath}: cannot read the model manifest (${(e as Error).message})`,
      );
    }
    const manifest = parseModelManifest(json, manifestPath);
    const vocab = Vocabulary.fromJSON(manifest.vocabulary);
    const { labelDim } = manifest.parts.unet.config.context;
    const encoderDim = (manifest.parts.encoder.config as { dim?: number }).dim ?? 0;
    if (labelDim !== undefined && labelDim !== 3 * encoderDim) {
      throw new ModelError(
        `${manifestPath}: the denoiser reads label tokens of width ${labelDim}, the encoder's are ${3 * encoderDim} (3 × its width ${encoderDim})`,
      );
    }
    const layout = manifest.parts.unet.config.layout;
    if (layout && layout.numLabels !== vocab.numObjects)
      throw new ModelError(
        `${manifestPath}: the layout map knows ${layout.numLabels} object classes, the vocabulary has ${vocab.numObjects}`,
      );
    const encoder = new SceneGraphEncoder(
      manifest.parts.encoder.config as unknown as EncoderConfig,
    );
    const autoencoder = new AutoencoderKL(manifest.parts.autoencoder.config);
    const denoiser = new Denoiser(manifest.parts.unet.config);
    const parts: [string, Module][] = [
      ['encoder', encoder],
      ['autoencoder', autoencoder],
      ['unet', denoiser],
    ];
    try {
      for (const [name, module] of parts) {
        const path = join(dir, manifest.parts[name as keyof ModelManifest['parts']].path);
        await source.loadInto(
          module,
          path,
          options.onProgress && ((e) => options.onProgress!({ ...e, part: name })),
        );
      }
    } catch (e) {
      for (const [, m] of parts) m.dispose();
      throw e;
    }
    return new SGDiffPipeline(manifest, vocab, encoder, autoencoder, denoiser);
  }

  /** Parses text or JSON, or validates a graph object, against the model's vocabulary and size. */
  parseGraph(input: SceneGraph | string): SceneGraph {
    const opts = { maxObjects: this.manifest.maxObjects };
    if (typeof input !== 'string') return validateSceneGraph(input, this.vocab, opts);
    return parseSceneGraphSource(input, this.vocab, opts);
  }

  /**
   * The model's late guidance for a caller's guidance scale: it belongs to the model's own
   * scale, so it applies only when the caller gives none.
   */
  defaultLateGuidance(guidance?: number): { below: number; scale: number } | undefined {
    return resolveSettings(this.manifest.defaults, { guidance }).lateGuidance;
  }

  /**
   * For a model with layout input, `graphs` with every box set: an object's own box, else one
   * drawn from the model's layout prior so that the relations hold; graph i's draw is seeded by
   * `seed + i`. Without layout input, the graphs as they are.
   */
  layoutGraphs(graphs: SceneGraph[], seed = 0): SceneGraph[] {
    const layout = this.denoiser.config.layout;
    if (!layout) return graphs;
    return graphs.map((g, i) => {
      const rng = new Rng(((seed + i) ^ 0x2c1b3c6d) >>> 0);
      return sampleGraphLayout(g, layout.prior, { random: () => rng.uniform() }).graph;
    });
  }

  /** Graph tokens → conditional and null contexts for `graphs`. */
  private conditions(graphs: SceneGraph[]): { cond: ContextCond; uncond: ContextCond } {
    return { cond: this.condition(graphs), uncond: this.denoiser.nullCondition(graphs.length) };
  }

  /** `graphs` must have every box set for a model with layout input (`layoutGraphs`). */
  private condition(graphs: SceneGraph[]): ContextCond {
    // Packed once: the encoder reads the graphs, the layout map their boxes.
    const packed = packForEncoder(graphs, this.vocab);
    const enc = this.encoder.forward(packed, this.denoiser.tokenOptions);
    const [h, w] = this.manifest.latentShape;
    try {
      return this.denoiser.condition(
        enc,
        undefined,
        this.denoiser.layoutMap && { slots: layoutSlots(packed), size: [h, w] },
      );
    } finally {
      disposeTokens(enc);
    }
  }

  /**
   * Generates one image per graph. Graph i starts from the noise of seed `seed + i`, so an image
   * does not depend on what else is in the batch.
   */
  async generate(
    input: SceneGraph | string | (SceneGraph | string)[],
    options: GenerateOptions = {},
  ): Promise<GenerateResult> {
    const seed = options.seed ?? 0;
    const graphs = this.layoutGraphs(
      (Array.isArray(input) ? input : [input]).map((g) => this.parseGraph(g)),
      seed,
    );
    const [h, w, c] = this.manifest.latentShape;
    const B = graphs.length;
    let noise = options.noise;
    if (noise && noise.length !== B * h * w * c) {
      throw new ModelError(`noise has ${noise.length} values, expected ${B}×${h}×${w}×${c}`);
    }
    if (!noise) {
      noise = new Float32Array(B * h * w * c);
      for (let i = 0; i < B; i++) noise.set(new Rng(seed + i).normals(h * w * c), i * h * w * c);
    }
    const settings = resolveSettings(this.manifest.defaults, options);
    const { relationGuidance } = settings;
    if (!Number.isFinite(relationGuidance) || relationGuidance < 0) {
      throw new ModelError(`relation guidance must be ≥ 0, got ${relationGuidance}`);
    }
    const xT = tf.tensor4d(noise, [B, h, w, c]);
    const { cond, uncond } = this.conditions(graphs);
    const inverted =
      relationGuidance > 0 ? this.condition(graphs.map((g) => invertRelations(g))) : undefined;
    let z: tf.Tensor | undefined;
    try {
      const model = withGuidance(this.denoiser.eps, {
        scale: settings.guidance,
        uncond,
        contrast: inverted && { cond: inverted, scale: relationGuidance },
        late: settings.lateGuidance,
        concat: concatContext,
      });
      z = await getSampler(settings.sampler)(model as never, xT, {
        schedule: this.schedule,
        steps: settings.steps,
        cond,
        eta: settings.eta,
        rng: new Rng((seed ^ 0x5bd1e995) >>> 0),
        callback: options.onStep,
        signal: options.signal,
      });
      const latents = (await z.data()) as Float32Array;
      const images = await this.decode(z as tf.Tensor4D);
      return {
        images: images.map((rgba, i) => ({
          rgba,
          width: this.manifest.imageSize,
          height: this.manifest.imageSize,
          seed: seed + i,
        })),
        latents: Float32Array.from(latents),
        latentShape: [B, h, w, c],
        ...(this.denoiser.layoutMap ? { layouts: graphs } : {}),
      };
    } finally {
      tf.dispose([xT, ...(z ? [z] : [])]);
      disposeCond(cond);
      disposeCond(uncond);
      if (inverted) disposeCond(inverted);
    }
  }

  /**
   * DDIM-inverts a real image under `graph`: the starting noise from which DDIM (η = 0, same
   * steps) redraws it, so that an edited graph can be regenerated from the image itself.
   * With layout input, boxes the graph lacks are drawn as `generate` with `seed` draws them, so
   * that a redraw with that seed conditions on the same layout; give the image's own boxes where
   * they are known (`sample` writes them beside each image).
   */
  async invert(
    image: { rgba: Uint8ClampedArray | Uint8Array; width: number; height: number },
    graph: SceneGraph | string,
    options: { steps?: number; seed?: number; signal?: AbortSignal } = {},
  ): Promise<Float32Array> {
    const z0 = this.encodeImages([image]);
    const laidOut = this.layoutGraphs([this.parseGraph(graph)], options.seed ?? 0);
    const { cond, uncond } = this.conditions(laidOut);
    try {
      const xT = await ddimInvert(this.denoiser.eps, z0, {
        schedule: this.schedule,
        steps: options.steps ?? this.manifest.defaults.steps,
        cond,
        signal: options.signal,
      });
      const out = (await xT.data()) as Float32Array;
      xT.dispose();
      return Float32Array.from(out);
    } finally {
      z0.dispose();
      disposeCond(cond);
      disposeCond(uncond);
    }
  }

  /** RGBA images of the model's size → scaled latents (the posterior means), [B, h, w, c]. */
  encodeImages(
    images: { rgba: Uint8ClampedArray | Uint8Array; width: number; height: number }[],
  ): tf.Tensor4D {
    const size = this.manifest.imageSize;
    const rgb = new Uint8Array(images.length * size * size * 3);
    images.forEach((image, k) => {
      if (image.width !== size || image.height !== size) {
        throw new ModelError(
          `the image is ${image.width}×${image.height}; this model works at ${size}×${size}`,
        );
      }
      for (let i = k * size * size * 3, j = 0; j < image.rgba.length; i += 3, j += 4)
        rgb.set(image.rgba.subarray(j, j + 3), i);
    });
    return tf.tidy(() =>
      tf.mul(
        this.autoencoder.encode(imagesToTensor(rgb, images.length, size)).mean,
        this.manifest.latentScale,
      ),
    );
  }

  /**
   * The autoencoder's round trip (encode, posterior mean, decode): what the latent space keeps of
   * an image, and so the best a sampler can draw in it.
   */
  async reconstruct(
    images: { rgba: Uint8ClampedArray | Uint8Array; width: number; height: number }[],
  ): Promise<Uint8ClampedArray[]> {
    const z = this.encodeImages(images);
    try {
      return await this.decode(z);
    } finally {
      z.dispose();
    }
  }

  /** Scaled latents → RGBA images (also for live previews of `denoised`). */
  // z: [B, h, w, c]
  async decode(z: tf.Tensor4D): Promise<Uint8ClampedArray[]> {
    const x = tf.tidy(() =>
      this.autoencoder.decode(tf.div(z, this.manifest.latentScale) as tf.Tensor4D),
    );
    const bytes = await tensorToImages(x);
    x.dispose();
    const n = z.shape[0];
    const per = bytes.length / n;
    return Array.from({ length: n }, (_, i) => rgbToRgba(bytes.subarray(i * per, (i + 1) * per)));
  }

  /**
   * Semantic manipulation: the original and the edited graph from the same seed (and so the same
   * starting noise), with how much of the image outside the touched objects' boxes stayed put.
   */
  async edit(
    graph: SceneGraph | string,
    edited: SceneGraph | string,
    options: GenerateOptions & { touched?: string[] } = {},
  ): Promise<{
    before: GeneratedImage;
    after: GeneratedImage;
    unchangedOutside?: number;
    /** For a model with layout input: both graphs with the boxes they were drawn with. */
    layouts?: [SceneGraph, SceneGraph];
  }> {
    let g0 = this.parseGraph(graph);
    let g1 = this.parseGraph(edited);
    const first = await this.generate(g0, options);
    if (first.layouts) {
      // Objects the edit did not touch keep the boxes they were drawn in; the rest are placed
      // anew around them.
      g0 = first.layouts[0];
      g1 = keepUntouchedBoxes(g0, g1, options.touched);
    }
    const second = await this.generate(g1, options);
    if (second.layouts) g1 = second.layouts[0];
    const [before, after] = [first.images[0], second.images[0]];
    const boxes = [...g0.objects, ...g1.objects]
      .filter((o) => (options.touched ? options.touched.includes(o.id) : true) && o.box)
      .map((o) => o.box!);
    const unchangedOutside =
      options.touched && boxes.length ? unchangedFraction(before, after, boxes) : undefined;
    return { before, after, unchangedOutside, ...(first.layouts ? { layouts: [g0, g1] } : {}) };
  }

  dispose(): void {
    this.encoder.dispose();
    this.autoencoder.dispose();
    this.denoiser.dispose();
  }
}

/**
 * `edited` with the boxes of `laidOut` (the original graph, every box set) for the objects an
 * edit left alone: same id and label, not in `touched`, and in no relation that the edit added
 * or removed. Boxes `edited` gives itself win.
 */
export function keepUntouchedBoxes(
  laidOut: SceneGraph,
  edited: SceneGraph,
  touched: readonly string[] = [],
): SceneGraph {
  const key = (r: SceneGraph['relations'][number]) =>
    `${r.subject}\u0000${r.predicate}\u0000${r.object}`;
  const before = new Set(laidOut.relations.map(key));
  const after = new Set(edited.relations.map(key));
  const changed = new Set(touched);
  for (const r of [...laidOut.relations, ...edited.relations])
    if (!before.has(key(r)) || !after.has(key(r))) {
      changed.add(r.subject);
      changed.add(r.object);
    }
  const old = new Map(laidOut.objects.map((o) => [o.id, o]));
  return {
    objects: edited.objects.map((o) => {
      const prev = old.get(o.id);
      const keep = !o.box && prev?.box && prev.label === o.label && !changed.has(o.id);
      return keep ? { ...structuredClone(o), box: [...prev.box!] as Box } : structuredClone(o);
    }),
    relations: edited.relations.map((r) => ({ ...r })),
  };
}

/**
 * The fraction of pixels outside every box whose RGB channels all moved by less than
 * `tolerance` (of 255) between two images.
 */
export function unchangedFraction(
  a: GeneratedImage,
  b: GeneratedImage,
  boxes: [number, number, number, number][],
  tolerance = 16,
): number {
  let outside = 0;
  let same = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const u = (x + 0.5) / a.width;
      const v = (y + 0.5) / a.height;
      if (boxes.some(([x0, y0, x1, y1]) => u >= x0 && u <= x1 && v >= y0 && v <= y1)) continue;
      outside++;
      const i = (y * a.width + x) * 4;
      if (
        Math.abs(a.rgba[i] - b.rgba[i]) < tolerance &&
        Math.abs(a.rgba[i + 1] - b.rgba[i + 1]) < tolerance &&
        Math.abs(a.rgba[i + 2] - b.rgba[i + 2]) < tolerance
      )
        same++;
    }
  }
  return outside ? same / outside : 1;
}
