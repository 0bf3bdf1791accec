import type { ThreadsChoice } from '@sgdiff/nn/node';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import { resolveSettings, type SamplerName } from '@sgdiff/diffusion';
import { loadPipeline } from '@sgdiff/diffusion/node';
import {
  complianceMetrics,
  EvalError,
  evaluateImageSet,
  evaluateModel,
  featureDim,
  formatMetricsTable,
  referenceFeatures,
  renderReportHtml,
  OracleExtractor,
  type ComplianceSummary,
  type EvalReport,
  type Evaluators,
  type ImageBatch,
  type ImageSetSpec,
  type ImageStore,
  type ReportRun,
} from '@sgdiff/eval';
import { loadInceptionFromPath, loadOracle } from '@sgdiff/eval/node';
import {
  MaskedContrastiveModel,
  recallAtK,
  scoreGraphsImages,
  type PretrainConfig,
} from '@sgdiff/encoder';
import type { BackendChoice } from '@sgdiff/nn';
import {
  formatSceneGraphText,
  resizeNearest,
  rgbToRgba,
  rgbaToRgb,
  Vocabulary,
  type RgbaImage,
  type SceneGraph,
} from '@sgdiff/scene-graph';
import { PNG } from 'pngjs';
import { UserError } from '../errors.js';
import { latestCheckpointOf, loadModuleFromCheckpoint } from '../model-parts.js';
import { startBackend } from '../options.js';
import { gridImage, writePng } from '../png.js';
import { createProgress } from '../training/progress.js';

export interface EvalFlags {
  model?: string;
  data?: string;
  split: string;
  against: string;
  n: number;
  oracle?: string;
  inception?: string;
  encoderRun?: string;
  guidance?: number[];
  relationGuidance?: number;
  givenBoxes?: boolean;
  lateGuidance?: { scale: number; below: number };
  steps?: number;
  sampler?: SamplerName;
  seed: number;
  batch: number;
  show: number;
  realVsReal?: boolean;
  reconstruct?: boolean;
  backend: BackendChoice;
  threads?: ThreadsChoice;
  out?: string;
}

export const DEFAULT_ORACLE = 'models/oracle-synthetic-64';

/** The committed oracle: under the working folder, else beside this checkout's source or dist. */
function defaultOraclePath(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(DEFAULT_ORACLE),
    resolve(here, '../../../..', DEFAULT_ORACLE),
    resolve(here, '../../..', DEFAULT_ORACLE),
  ];
  return candidates.find((p) => existsSync(join(p, 'model.json')));
}

/** "1,2,4" → [1, 2, 4]. */
export function guidanceList(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (!list.length || list.some((g) => !Number.isFinite(g) || g < 0))
    throw new UserError(
      `--guidance: expected non-negative numbers separated by commas, got "${value}"`,
    );
  return list;
}

interface RealSet {
  images: Uint8Array; // [n, S, S, 3]
  graphs: SceneGraph[];
  side: number;
}

async function readSplit(
  data: string,
  split: string,
  n: number,
  maxObjects?: number,
): Promise<RealSet> {
  const manifest = await readManifest(data);
  const available =
    (manifest.splits as Record<string, { images: number } | undefined>)[split]?.images ?? 0;
  if (!available)
    throw new UserError(`${data}: the dataset has no "${split}" split (or it is empty)`);
  const loader = await createLoader({
    dir: data,
    split,
    batchSize: Math.min(n, available),
    epochs: 1,
    maxObjects,
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  });
  const batch = await loader.next();
  if (!batch) throw new UserError(`${data}: no readable images in the "${split}" split`);
  return { images: batch.images, graphs: batch.graphs, side: manifest.image.size };
}

const rgbBatch = (set: RealSet): ImageBatch => ({
  data: set.images,
  n: set.graphs.length,
  side: set.side,
  channels: 3,
});

function readPngRgba(path: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(path));
  return {
    rgba: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    width: png.width,
    height: png.height,
  };
}

const sampleName = (i: number) => `${String(i).padStart(5, '0')}.png`;

function complianceText(c: ComplianceSummary | undefined, i: number): string {
  const p = c?.perImage[i];
  return p ? `objects ${p.found}/${p.objects}, relations ${p.satisfied}/${p.relations}` : '';
}

async function openEvaluators(flags: EvalFlags, notes: string[], graphs: SceneGraph[]) {
  const ev: Evaluators = {};
  let oraclePath = flags.oracle;
  if (!oraclePath) {
    oraclePath = defaultOraclePath();
    if (!oraclePath)
      notes.push(
        `no oracle (none at ${DEFAULT_ORACLE}, no --oracle): FID/KID-synthetic and compliance skipped`,
      );
  }
  if (oraclePath) {
    const oracle = await loadOracle(oraclePath);
    const known = new Set(oracle.config.classes);
    const unknown = graphs.flatMap((g) => g.objects.map((o) => o.label)).find((l) => !known.has(l));
    if (unknown) {
      oracle.dispose();
      if (flags.oracle)
        throw new EvalError(
          `--oracle ${flags.oracle}: the oracle does not know the dataset's label "${unknown}" (it is for the synthetic dataset)`,
        );
      notes.push(
        `the default oracle does not know the dataset's label "${unknown}": FID/KID-synthetic and compliance skipped`,
      );
      oraclePath = undefined;
    } else {
      ev.oracle = new OracleExtractor(oracle);
    }
  }
  if (flags.inception) ev.inception = await loadInceptionFromPath(flags.inception);
  else notes.push('no --inception: Inception FID/KID/IS skipped');
  return { ev, oraclePath };
}

/**
 * Graph retrieval with the pre-trained encoder (#6's scoring): per image, the rank of its own graph
 * among all evaluated graphs. Only a secondary signal for generated images, since the same
 * encoder conditions the model.
 */
async function openRetrieval(flags: EvalFlags, notes: string[]) {
  if (!flags.encoderRun) {
    notes.push('no --encoder-run: graph retrieval skipped');
    return undefined;
  }
  const checkpoint = await latestCheckpointOf(flags.encoderRun, '--encoder-run');
  const { module: model } = await loadModuleFromCheckpoint(
    join(checkpoint, 'pretrain'),
    (c: PretrainConfig) => new MaskedContrastiveModel(c),
    'pretrain model',
  );
  if (!model.imageEncoder) {
    model.dispose();
    throw new UserError(
      `--encoder-run ${flags.encoderRun} was trained without the contrastive head; retrieval needs it`,
    );
  }
  model.eval();
  const vocab = Vocabulary.fromJSON((await readManifest(flags.data!)).vocab);
  return {
    model,
    score(graphs: SceneGraph[], rgb: Uint8Array, side: number) {
      if (side !== model.config.imageSize) {
        notes.push(
          `graph retrieval skipped for ${side}×${side} images: the encoder reads ${model.config.imageSize}×${model.config.imageSize}`,
        );
        return undefined;
      }
      const m = scoreGraphsImages(model, graphs, rgb, vocab);
      return {
        r1: recallAtK(m, 1, 'image→graph'),
        r5: recallAtK(m, 5, 'image→graph'),
        among: graphs.length,
      };
    },
  };
}

/** `sgdiff eval`: a model against real images, or real against real (the floor). */
export async function runEvalReport(flags: EvalFlags): Promise<EvalReport> {
  if (!flags.data) throw new UserError('eval: --data <dir> is required');
  if (!flags.out) throw new UserError('eval: --out <dir> is required');
  if (!flags.realVsReal && !flags.model)
    throw new UserError('eval: pass --model <dir>, or --real-vs-real');
  if (flags.realVsReal && flags.reconstruct)
    throw new UserError(
      'eval: --reconstruct needs a --model (its autoencoder), not --real-vs-real',
    );
  if (flags.n < 2)
    throw new UserError('eval: --n must be at least 2 (FID needs two images per set)');
  const out = flags.out;
  await mkdir(out, { recursive: true });
  await startBackend(flags);
  // Everything loaded is disposed on the way out, also when a step fails.
  const disposers: (() => void)[] = [];
  try {
    return await evalReport({ ...flags, data: flags.data }, out, disposers);
  } finally {
    for (const dispose of disposers.reverse()) dispose();
  }
}

async function evalReport(
  flags: EvalFlags & { data: string },
  out: string,
  disposers: (() => void)[],
): Promise<EvalReport> {
  const notes: string[] = [];

  let pipe: Pipeline | undefined;
  if (!flags.realVsReal) {
    if (!existsSync(join(flags.model!, 'sgdiff.json')))
      throw new UserError(
        `--model ${flags.model}: no sgdiff.json there (write one with sgdiff export)`,
      );
    pipe = await loadPipeline(flags.model!);
    const loaded = pipe;
    disposers.push(() => {
      loaded.encoder.dispose();
      loaded.autoencoder.dispose();
      loaded.denoiser.dispose();
    });
  }
  const real = await readSplit(flags.data, flags.split, flags.n, pipe?.manifest.maxObjects);
  const n = real.graphs.length;
  if (n < flags.n)
    notes.push(`the ${flags.split} split has ${n} images, fewer than --n ${flags.n}`);
  const { ev, oraclePath } = await openEvaluators(flags, notes, real.graphs);
  disposers.push(() => {
    ev.oracle?.dispose();
    ev.inception?.dispose();
  });
  const retrieval = await openRetrieval(flags, notes);
  disposers.push(() => retrieval?.model.dispose());
  const realRetrieval = retrieval?.score(real.graphs, real.images, real.side);
  if (ev.oracle && n <= ev.oracle.dim)
    notes.push(
      `${n} images ≤ the oracle's ${ev.oracle.dim} feature dims: the covariances are singular, FID is regularised and biased high; use --n > ${ev.oracle.dim}`,
    );

  const reference = await referenceFeatures(rgbBatch(real), ev);
  const ceilingSummary = reference.oracle
    ? complianceMetrics(
        real.graphs,
        reference.oracle.predictions.map((p) => p.detections),
      )
    : undefined;
  const runs: ReportRun[] = [];
  const generated: GeneratedSet[] = [];

  // Real images of the split, for the sample grid.
  const show = Math.min(flags.show, n);
  const realPix = real.side * real.side;
  // The first `show` images of a set of `count`, as PNGs for the report's grid.
  const writeShown = (
    dir: string,
    count: number,
    rgba: (i: number) => Uint8ClampedArray,
    side: number,
  ) => {
    for (let i = 0; i < Math.min(show, count); i++)
      writePng(join(out, dir, sampleName(i)), rgba(i), side, side);
  };
  writeShown('real', n, (i) => rgbToRgba(real.images, i * realPix * 3, realPix), real.side);

  const ctx: RunContext = {
    flags,
    out,
    real,
    ev,
    reference,
    retrieval,
    writeShown,
    runs,
    generated,
  };
  if (flags.realVsReal) await againstRealRun(ctx);
  else await modelRuns(ctx, pipe!);

  const report: EvalReport = {
    kind: flags.realVsReal ? 'real-vs-real' : 'model-vs-real',
    created: new Date().toISOString(),
    model: flags.model,
    data: flags.data,
    split: flags.split,
    against: flags.realVsReal ? flags.against : undefined,
    images: n,
    generation: flags.realVsReal
      ? undefined
      : {
          steps: flags.steps ?? pipe!.manifest.defaults.steps,
          sampler: flags.sampler ?? pipe!.manifest.defaults.sampler,
          seed: flags.seed,
        },
    oracle:
      ev.oracle && oraclePath
        ? { path: oraclePath, featureDim: featureDim(ev.oracle.oracle.config) }
        : undefined,
    inception: flags.inception ? { path: flags.inception } : undefined,
    ceiling: ceilingSummary
      ? {
          objectRecall: ceilingSummary.objectRecall,
          relationAccuracy: ceilingSummary.relationAccuracy,
          relationAccuracyFound: ceilingSummary.relationAccuracyFound,
          retrievalR1: realRetrieval?.r1,
          recallByLabel: ceilingSummary.byLabel,
          ...(Object.keys(ceilingSummary.bySize).length
            ? { recallBySize: ceilingSummary.bySize }
            : {}),
          relationsByPredicate: ceilingSummary.byPredicate,
        }
      : undefined,
    runs,
    samples: Array.from({ length: show }, (_, i) => ({
      index: i,
      graphText: formatSceneGraphText(real.graphs[i], { separator: '\n' }),
      real: join('real', sampleName(i)),
      generated: generated.map((gen) => gen.images(i)),
      compliance: generated.map((gen) => complianceText(gen.summary, i)),
    })),
    notes,
  };
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'report.html'), renderReportHtml(report));

  writeGrid(out, show, real.side, generated);
  return report;
}

/** What the runs of a report share; each run adds itself to `runs` and `generated`. */
type Pipeline = Awaited<ReturnType<typeof loadPipeline>>;
type Retrieval = Awaited<ReturnType<typeof openRetrieval>>;
type ReferenceFeatures = Awaited<ReturnType<typeof referenceFeatures>>;

interface RunContext {
  flags: EvalFlags & { data: string };
  out: string;
  real: RealSet;
  ev: Evaluators;
  reference: ReferenceFeatures;
  retrieval: Retrieval;
  /** Writes the first --show images of a set as PNGs, for the report's grid. */
  writeShown: (
    dir: string,
    count: number,
    rgba: (i: number) => Uint8ClampedArray,
    side: number,
  ) => void;
  runs: ReportRun[];
  generated: GeneratedSet[];
}

interface GeneratedSet {
  dir: string;
  summary?: ComplianceSummary;
  images: (i: number) => string;
}

/** `--real-vs-real`: the --against split scored as if generated (the floor of every metric). */
async function againstRealRun(ctx: RunContext): Promise<void> {
  const { flags, real, ev, reference, retrieval, writeShown, runs, generated } = ctx;
  const n = real.graphs.length;
  const realPix = real.side * real.side;
  const other = await readSplit(flags.data, flags.against, n);
  if (other.graphs.length < 2)
    throw new UserError(`${flags.data}: the "${flags.against}" split has fewer than 2 images`);
  const r = await evaluateImageSet(rgbBatch(other), other.graphs, reference, ev);
  r.metrics.retrieval = retrieval?.score(other.graphs, other.images, other.side);
  runs.push({ label: `real ${flags.against}`, metrics: r.metrics, imageDir: 'against' });
  writeShown(
    'against',
    other.graphs.length,
    (i) => rgbToRgba(other.images, i * realPix * 3, realPix),
    real.side,
  );
  generated.push({
    dir: 'against',
    summary: r.compliance,
    images: (i) => join('against', sampleName(i)),
  });
}

/** The model's images at each --guidance (and its reconstructions), generated and scored. */
async function modelRuns(ctx: RunContext, pipe: Pipeline): Promise<void> {
  const { flags, out, real, ev, reference, retrieval, writeShown, runs, generated } = ctx;
  const n = real.graphs.length;
  const realPix = real.side * real.side;
  // Without --guidance, one run at the model's own settings (its late guidance included);
  // with it, each scale as given (resolveSettings).
  const settings = resolveSettings(pipe.manifest.defaults, {
    guidance: flags.guidance?.[0],
    relationGuidance: flags.relationGuidance,
    lateGuidance: flags.lateGuidance,
  });
  const guidances = flags.guidance ?? [settings.guidance];
  const relation = settings.relationGuidance;
  // Each setting draws into its own folder, so a re-run with another setting never mixes them.
  // Without --guidance every run uses the model's scale, and so its late scale too.
  const late = settings.lateGuidance;
  const sampleDir = (g: number) =>
    join(
      'samples',
      `guidance-${g}` +
        (late ? `-late-${late.scale}-below-${late.below}` : '') +
        (relation ? `-relation-${relation}` : '') +
        (flags.givenBoxes ? '-given-boxes' : ''),
    );
  const runLabel = (g: number) =>
    `guidance ${g}` +
    (late ? ` (${late.scale} below t=${late.below})` : '') +
    (relation ? `, relation ${relation}` : '') +
    (flags.givenBoxes ? ', given boxes' : '');
  // Scene graph → image: the model sees the graph alone unless --given-boxes.
  const inputs = flags.givenBoxes
    ? real.graphs
    : real.graphs.map((g) => ({
        ...g,
        objects: g.objects.map(({ box: _box, ...o }) => o),
      }));
  // The boxes each image is drawn in (image i: seed + i, as generate would draw them), drawn
  // once: generated from and scored with, so the report can give recall by box size. A model
  // without layout input draws none.
  const drawn = flags.givenBoxes ? real.graphs : pipe.layoutGraphs(inputs, flags.seed);
  const size = pipe.manifest.imageSize;
  // Reconstructions are scored against the real images at the data's size.
  if (flags.reconstruct && real.side !== size)
    throw new UserError(
      `--reconstruct: the images of ${flags.data} are ${real.side}×${real.side}, the model works at ${size}×${size}`,
    );
  // Each guidance's images are PNG files in their own folder: a re-run makes only the missing
  // ones (image i always comes from seed + i).
  const fileStore = (dir: string): ImageStore => ({
    get: (i) => {
      const path = join(out, dir, sampleName(i));
      return existsSync(path) ? readPngRgba(path) : undefined;
    },
    put: (i, img) => writePng(join(out, dir, sampleName(i)), img.rgba, img.width, img.height),
  });
  const sets: ImageSetSpec[] = guidances.map((g) => ({
    key: sampleDir(g),
    store: fileStore(sampleDir(g)),
    generate: async (graphs, first) =>
      (
        await pipe.generate(graphs, {
          seed: flags.seed + first,
          guidance: g,
          relationGuidance: relation,
          lateGuidance: late,
          steps: flags.steps,
          sampler: flags.sampler,
        })
      ).images,
  }));
  if (flags.reconstruct) {
    // The autoencoder's round trip of the real images: the best any sampler could score.
    sets.push({
      key: 'reconstructions',
      graphs: real.graphs,
      generate: async (graphs, first) => {
        const batch = graphs.map((_, j) => ({
          rgba: rgbToRgba(real.images, (first + j) * realPix * 3, realPix),
          width: size,
          height: size,
        }));
        return (await pipe.reconstruct(batch)).map((rgba) => ({
          rgba,
          width: size,
          height: size,
        }));
      },
    });
  }
  for (const g of guidances) await mkdir(join(out, sampleDir(g)), { recursive: true });
  const progress = createProgress('eval generate', n * sets.length);
  let evaluated;
  try {
    evaluated = await evaluateModel({
      real: { images: real.images, side: real.side },
      graphs: drawn,
      sets,
      evaluators: ev,
      reference,
      side: size,
      batch: flags.batch,
      onProgress: (done, _total, key) => progress.update(done, { set: key }),
    });
  } catch (e) {
    if (e instanceof EvalError && /expected \d+×\d+/.test(e.message))
      throw new UserError(
        `${e.message} in ${out} (an --out from another model? use a fresh --out)`,
      );
    throw e;
  } finally {
    progress.stop();
  }
  for (const [k, r] of evaluated.sets.entries()) {
    if (r.key === 'reconstructions') {
      const dir = 'reconstructions';
      runs.push({ label: 'autoencoder reconstructions', metrics: r.metrics, imageDir: dir });
      writeShown(
        dir,
        n,
        (i) => r.rgba.subarray(i * size * size * 4, (i + 1) * size * size * 4),
        size,
      );
      generated.push({ dir, summary: r.compliance, images: (i) => join(dir, sampleName(i)) });
      continue;
    }
    const g = guidances[k];
    const dir = sampleDir(g);
    r.metrics.retrieval = retrieval?.score(real.graphs, rgbaToRgb(r.rgba), size);
    runs.push({
      label: runLabel(g),
      guidance: g,
      ...(relation ? { relationGuidance: relation } : {}),
      ...(late ? { lateGuidance: late } : {}),
      ...(flags.givenBoxes ? { givenBoxes: true } : {}),
      metrics: r.metrics,
      imageDir: dir,
    });
    generated.push({ dir, summary: r.compliance, images: (i) => join(dir, sampleName(i)) });
  }
}

/** grid.png: one row per shown sample, the real image then each run, all at the real image size. */
function writeGrid(out: string, show: number, side: number, generated: GeneratedSet[]): void {
  const cells = [];
  for (let i = 0; i < show; i++) {
    cells.push(readPngRgba(join(out, 'real', sampleName(i))));
    for (const gen of generated)
      cells.push(resizeNearest(readPngRgba(join(out, gen.images(i))), side));
  }
  if (!cells.length) return;
  const grid = gridImage(cells, 1 + generated.length);
  writePng(join(out, 'grid.png'), grid.rgba, grid.width, grid.height);
}

export { formatMetricsTable };
