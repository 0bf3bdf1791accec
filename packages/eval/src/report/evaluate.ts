import type { SceneGraph } from '@sgdiff/scene-graph';
import {
  complianceMetrics,
  type ComplianceSummary,
  type LabelRecall,
  type PredicateCompliance,
} from '../compliance/compliance.js';
import { EvalError, type EvalWarning } from '../errors.js';
import type { FeatureExtractor, ImageBatch } from '../features/feature-extractor.js';
import type { OracleExtractor } from '../features/oracle-extractor.js';
import { computeFid } from '../metrics/fid.js';
import { inceptionScore } from '../metrics/inception-score.js';
import { computeKid, type MeanStd } from '../metrics/kid.js';
import type { OracleRun } from '../oracle/decode.js';

/** The networks available; every metric whose network is present is computed. */
export interface Evaluators {
  oracle?: OracleExtractor;
  inception?: FeatureExtractor;
}

/** Features of the reference (real) images, computed once and reused for every generated set. */
export interface ReferenceFeatures {
  images: number;
  oracle?: OracleRun;
  inception?: Float32Array;
}

export interface ImageSetMetrics {
  images: number;
  /** FID / KID over the oracle's pooled features (FID-synthetic, KID-synthetic). */
  fidOracle?: number;
  kidOracle?: MeanStd;
  /** Compliance of these images with their graphs, from the oracle's detections. */
  objectRecall?: number;
  relationAccuracy?: number;
  /** Relation accuracy over the relations whose two objects were both found. */
  relationAccuracyFound?: number;
  /** Relations per geometric predicate: found, held, and what the boxes gave instead. */
  relationsByPredicate?: Record<string, PredicateCompliance>;
  /** Object recall per label: which classes the images draw. */
  recallByLabel?: Record<string, LabelRecall>;
  /** Object recall per box size, where the graphs scored gave boxes (see `sizeBin`). */
  recallBySize?: Record<string, LabelRecall>;
  /** Missed objects by label, and the unclaimed labels drawn in their images instead. */
  substitutions?: Record<string, Record<string, number>>;
  fidInception?: number;
  kidInception?: MeanStd;
  inceptionScore?: MeanStd;
  /**
   * Graph retrieval by the pre-trained encoder's contrastive scores: how often an image ranks its
   * own graph first (R@1) or in the top 5 among `among` graphs. Filled by the caller (the encoder
   * sits above this package).
   */
  retrieval?: { r1: number; r5: number; among: number };
  /** Why a number is less reliable (few samples, singular covariance). */
  warnings: string[];
}

export interface KidSettings {
  subsets?: number;
  subsetSize?: number;
  seed?: number;
}

export async function referenceFeatures(
  real: ImageBatch,
  ev: Evaluators,
): Promise<ReferenceFeatures> {
  return {
    images: real.n,
    oracle: ev.oracle ? await ev.oracle.run(real) : undefined,
    inception: ev.inception ? await ev.inception.features(real) : undefined,
  };
}

/** FID and KID between two feature sets, with warnings collected rather than printed. */
export async function featureDistances(
  a: Float32Array,
  b: Float32Array,
  dim: number,
  warnings: string[],
  kid: KidSettings = {},
): Promise<{ fid: number; kid: MeanStd }> {
  const na = a.length / dim;
  const nb = b.length / dim;
  if (na < 2 || nb < 2)
    throw new EvalError(
      `FID needs at least 2 images per set (got ${na} and ${nb}); use a larger --n`,
    );
  const onWarning = (w: EvalWarning) => warnings.push(w.message);
  const fid = await computeFid(a, b, dim, { onWarning });
  const subsetSize = Math.min(kid.subsetSize ?? 1000, na, nb);
  return {
    fid,
    kid: computeKid(a, b, dim, { subsets: kid.subsets ?? 100, subsetSize, seed: kid.seed ?? 2020 }),
  };
}

/**
 * Every available metric for `images` (generated from `graphs`) against the reference set: oracle
 * FID/KID and compliance, Inception FID/KID/IS. Returns the per-image compliance too, for reports.
 */
export async function evaluateImageSet(
  images: ImageBatch,
  graphs: SceneGraph[],
  reference: ReferenceFeatures,
  ev: Evaluators,
  kid: KidSettings = {},
): Promise<{ metrics: ImageSetMetrics; compliance?: ComplianceSummary; oracle?: OracleRun }> {
  if (graphs.length !== images.n)
    throw new EvalError(`${images.n} images but ${graphs.length} graphs`);
  const warnings: string[] = [];
  const metrics: ImageSetMetrics = { images: images.n, warnings };
  let compliance: ComplianceSummary | undefined;
  let oracle: OracleRun | undefined;
  if (ev.oracle && reference.oracle) {
    oracle = await ev.oracle.run(images);
    const d = await featureDistances(
      reference.oracle.features,
      oracle.features,
      oracle.dim,
      warnings,
      kid,
    );
    metrics.fidOracle = d.fid;
    metrics.kidOracle = d.kid;
    compliance = complianceMetrics(
      graphs,
      oracle.predictions.map((p) => p.detections),
    );
    metrics.objectRecall = compliance.objectRecall;
    metrics.relationAccuracy = compliance.relationAccuracy;
    metrics.relationAccuracyFound = compliance.relationAccuracyFound;
    metrics.relationsByPredicate = compliance.byPredicate;
    metrics.recallByLabel = compliance.byLabel;
    if (Object.keys(compliance.bySize).length) metrics.recallBySize = compliance.bySize;
    metrics.substitutions = compliance.substitutions;
  }
  if (ev.inception && reference.inception) {
    const f = await ev.inception.features(images);
    if (f.length / images.n !== reference.inception.length / reference.images) {
      throw new EvalError(
        `inception features: ${f.length / images.n} per image here, ${reference.inception.length / reference.images} for the reference`,
      );
    }
    const d = await featureDistances(reference.inception, f, ev.inception.dim, warnings, kid);
    metrics.fidInception = d.fid;
    metrics.kidInception = d.kid;
    if (ev.inception.probs) {
      const { probs, numClasses } = await ev.inception.probs(images);
      metrics.inceptionScore = inceptionScore(probs, numClasses, Math.min(10, images.n));
    }
  }
  return { metrics, compliance, oracle };
}
