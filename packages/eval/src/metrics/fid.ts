import { EvalError, warnToConsole, type WarningHandler } from '../errors.js';
import { meanAndCovariance } from '../linalg/covariance.js';
import { jsMatmul, type MatmulProvider } from '../linalg/matmul-provider.js';
import { traceSqrtProduct, type TraceSqrtReport } from '../linalg/trace-sqrt-product.js';
import { featureRows } from './check-features.js';

export interface FidOptions {
  /** Diagonal offset for singular or rank-deficient covariances (pytorch-fid's 1e-6). */
  eps?: number;
  /** Receives warnings (few samples, singular covariance); default: console.warn. */
  onWarning?: WarningHandler;
  /** Where the large products run; default: float64 JavaScript on this thread. */
  matmul?: MatmulProvider;
  /** Filled with what the computation did and how long each stage took. */
  report?: FidReport;
}

export interface FidReport extends TraceSqrtReport {
  stages?: { statsMs: number[]; traceSqrtMs: number };
  regularised?: boolean;
}

/**
 * Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2):
 * ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr sqrtm(Σ1Σ2), as pytorch-fid's `calculate_frechet_distance`.
 * Covariances are row-major [dim, dim] and must be symmetric.
 */
export function frechetDistance(
  mu1: ArrayLike<number>,
  sigma1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  sigma2: ArrayLike<number>,
  options: FidOptions & { regularise?: boolean } = {},
): number {
  const n = mu1.length;
  if (mu2.length !== n) {
    throw new EvalError(
      `frechetDistance: mean dims differ (${n} vs ${mu2.length}); features come from different extractors?`,
    );
  }
  const s1 = checkCovariance('sigma1', sigma1, n);
  const s2 = checkCovariance('sigma2', sigma2, n);
  for (const [name, mu] of [
    ['mu1', mu1],
    ['mu2', mu2],
  ] as const) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(mu[i]!))
        throw new EvalError(`frechetDistance: ${name}[${i}] is ${mu[i]}`);
    }
  }
  let diff2 = 0;
  let traces = 0;
  for (let i = 0; i < n; i++) {
    const d = mu1[i]! - mu2[i]!;
    diff2 += d * d;
    traces += s1[i * n + i]! + s2[i * n + i]!;
  }
  const report = options.report ?? {};
  const trCovmean = traceSqrtProduct(s1, s2, n, { ...options, report });
  // Traces use the unregularised covariances, as pytorch-fid does.
  return diff2 + traces - 2 * trCovmean;
}

function checkCovariance(name: string, sigma: ArrayLike<number>, n: number): Float64Array {
  if (sigma.length !== n * n) {
    throw new EvalError(
      `frechetDistance: ${name} has ${sigma.length} entries, expected ${n}×${n} = ${n * n}`,
    );
  }
  const s = Float64Array.from(sigma);
  let scale = 0;
  for (let i = 0; i < s.length; i++) {
    if (!Number.isFinite(s[i]!))
      throw new EvalError(`frechetDistance: ${name} has a non-finite entry ${s[i]} at ${i}`);
    scale = Math.max(scale, Math.abs(s[i]!));
  }
  // Float32 storage of a float64 covariance is asymmetric by ~1e-7 relative; more is a wrong input.
  const tol = 1e-5 * scale;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(s[i * n + j]! - s[j * n + i]!) > tol) {
        throw new EvalError(
          `frechetDistance: ${name} is not symmetric ([${i},${j}] = ${s[i * n + j]}, [${j},${i}] = ${s[j * n + i]})`,
        );
      }
    }
  }
  return s;
}

/**
 * FID between two feature sets, row-major [N, dim] each. Means and covariances are computed in
 * float64 (np.cov semantics). With N ≤ dim a covariance is rank-deficient: this warns and
 * regularises both with `eps`·I rather than returning a meaningless number silently.
 */
export async function computeFid(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  dim: number,
  options: FidOptions = {},
): Promise<number> {
  const na = featureRows('computeFid: features a', a, dim);
  const nb = featureRows('computeFid: features b', b, dim);
  for (const [name, rows] of [
    ['a', na],
    ['b', nb],
  ] as const) {
    if (rows < 2) {
      throw new EvalError(
        `computeFid: features ${name} has ${rows} row(s); a covariance needs at least 2 (and more than dim = ${dim} to be full rank)`,
      );
    }
  }
  const warn = options.onWarning ?? warnToConsole;
  const regularise = na <= dim || nb <= dim;
  if (regularise) {
    warn({
      code: 'few-samples',
      message: `computeFid: ${Math.min(na, nb)} samples for ${dim}-dim features: a covariance from N ≤ dim samples is singular and FID is biased and unstable; regularising with ${options.eps ?? 1e-6}·I. Use well over ${dim} samples (10k+ is standard).`,
    });
  }
  const matmul = options.matmul ?? jsMatmul;
  const report = options.report ?? {};
  let t = performance.now();
  const sa = await meanAndCovariance(a, na, dim, matmul);
  const statsA = performance.now() - t;
  t = performance.now();
  const sb = await meanAndCovariance(b, nb, dim, matmul);
  const statsB = performance.now() - t;
  t = performance.now();
  const fid = frechetDistance(sa.mean, sa.covariance, sb.mean, sb.covariance, {
    ...options,
    onWarning: warn,
    regularise,
    report,
  });
  report.regularised = regularise || (report.offset ?? 0) > 0;
  report.stages = { statsMs: [statsA, statsB], traceSqrtMs: performance.now() - t };
  return fid;
}
