import { EvalError } from '../errors.js';
import { transposed } from '../linalg/gemm.js';
import { jsMatmul, type MatmulProvider } from '../linalg/matmul-provider.js';
import { featureRows } from './check-features.js';
import { mulberry32, sampleWithoutReplacement } from './seeded-random.js';

export interface KidOptions {
  /** Number of random subsets averaged (torch-fidelity: 100). */
  subsets?: number;
  /** Rows per subset, drawn without replacement from each set (torch-fidelity: 1000). */
  subsetSize?: number;
  /** Seed of the subset sampler; the same seed gives the same subsets. */
  seed?: number;
  matmul?: MatmulProvider;
}

export interface MeanStd {
  mean: number;
  /** Population standard deviation (ddof 0), as np.std. */
  std: number;
}

/**
 * Unbiased MMD² between two feature sets under the cubic polynomial kernel
 * k(x, y) = (x·y / dim + 1)³ (Bińkowski et al. 2018; torch-fidelity's `mmd2(..., 'unbiased')`).
 * Diagonal terms of k(X, X) and k(Y, Y) are left out.
 */
export function polynomialMmd2(
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array,
  dim: number,
  matmul: MatmulProvider = jsMatmul,
): number {
  const m = featureRows('polynomialMmd2: x', x, dim);
  const n = featureRows('polynomialMmd2: y', y, dim);
  if (m < 2 || n < 2)
    throw new EvalError(`polynomialMmd2: each set needs at least 2 rows (got ${m} and ${n})`);
  const xv = transposed(x, m, dim); // [dim, m]
  const yv = transposed(y, n, dim);
  const kxx = matmul.matmulTN(xv, xv, { symmetric: true });
  const kyy = matmul.matmulTN(yv, yv, { symmetric: true });
  const kxy = matmul.matmulTN(xv, yv);
  const cube = (dot: number): number => {
    const z = dot / dim + 1;
    return z * z * z;
  };
  const offDiagonalSum = (k: Float64Array, size: number): number => {
    let s = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) if (i !== j) s += cube(k[i * size + j]!);
    }
    return s;
  };
  let sxy = 0;
  for (let i = 0; i < kxy.length; i++) sxy += cube(kxy[i]!);
  return (
    offDiagonalSum(kxx, m) / (m * (m - 1)) +
    offDiagonalSum(kyy, n) / (n * (n - 1)) -
    (2 * sxy) / (m * n)
  );
}

/**
 * Kernel Inception Distance: the mean and std of the unbiased polynomial MMD² over random subsets
 * of `subsetSize` rows from each set. Features are row-major [N, dim].
 */
export function computeKid(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  dim: number,
  options: KidOptions = {},
): MeanStd {
  const na = featureRows('computeKid: features a', a, dim);
  const nb = featureRows('computeKid: features b', b, dim);
  const subsets = options.subsets ?? 100;
  const subsetSize = options.subsetSize ?? 1000;
  if (!Number.isInteger(subsets) || subsets < 1)
    throw new EvalError(`computeKid: subsets must be a positive integer, got ${subsets}`);
  if (!Number.isInteger(subsetSize) || subsetSize < 2) {
    throw new EvalError(`computeKid: subsetSize must be an integer ≥ 2, got ${subsetSize}`);
  }
  if (subsetSize > na || subsetSize > nb) {
    throw new EvalError(
      `computeKid: subsetSize ${subsetSize} exceeds the number of samples (${na} and ${nb}); lower subsetSize`,
    );
  }
  const random = mulberry32(options.seed ?? 2020);
  const gather = (x: Float32Array | Float64Array, rows: Uint32Array): Float64Array => {
    const out = new Float64Array(rows.length * dim);
    rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
    return out;
  };
  const values = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const xa = gather(a, sampleWithoutReplacement(na, subsetSize, random));
    const xb = gather(b, sampleWithoutReplacement(nb, subsetSize, random));
    values[s] = polynomialMmd2(xa, xb, dim, options.matmul);
  }
  return meanStd(values);
}

export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}
