import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { choleskyLower } from './cholesky.js';
import { rowMajor } from './gemm.js';
import { jsMatmul, type MatmulProvider } from './matmul-provider.js';
import { symmetricEigenvalues } from './symmetric-eigenvalues.js';
import { warnToConsole, type WarningHandler } from '../errors.js';

export interface TraceSqrtOptions {
  /** Added to both diagonals when the product is singular, as pytorch-fid does. */
  eps?: number;
  /** Add `eps`·I up front (the caller knows a covariance is rank-deficient). */
  regularise?: boolean;
  onWarning?: WarningHandler;
  matmul?: MatmulProvider;
  /** Filled with the path taken, for tests and benchmarks. */
  report?: TraceSqrtReport;
}

export interface TraceSqrtReport {
  method?: 'cholesky' | 'eigen-fallback';
  offset?: number;
  swapped?: boolean;
  timings?: { factorMs: number; productMs: number; eigenvaluesMs: number };
}

/**
 * tr(sqrtm(Σ1·Σ2)) for symmetric positive semi-definite Σ1, Σ2.
 *
 * Σ1Σ2 is similar to Lᵀ·Σ2·L where Σ1 = L·Lᵀ, a symmetric PSD matrix, so the trace of the square
 * root is Σ sqrt(λᵢ(LᵀΣ2L)), with round-off negatives clamped to 0. This needs one Cholesky
 * factor and the eigenvalues (not eigenvectors) of one symmetric matrix: far cheaper and more
 * stable than sqrtm of the non-symmetric product.
 *
 * When neither covariance has a Cholesky factor (singular to working precision), `eps`·I is added
 * to both, as pytorch-fid does when sqrtm of the product fails. If even that fails (an indefinite
 * input), the PSD part of Σ1 is taken from a full eigendecomposition (ml-matrix).
 */
export function traceSqrtProduct(
  sigma1: Float64Array,
  sigma2: Float64Array,
  n: number,
  options: TraceSqrtOptions = {},
): number {
  const eps = options.eps ?? 1e-6;
  const warn = options.onWarning ?? warnToConsole;
  const matmul = options.matmul ?? jsMatmul;
  const report = options.report ?? {};
  let t = performance.now();

  let offset = options.regularise ? eps : 0;
  let first = sigma1;
  let second = sigma2;
  let l = choleskyLower(first, n, offset);
  if (!l && offset === 0) {
    // tr sqrt(Σ1Σ2) = tr sqrt(Σ2Σ1): factor whichever is positive definite.
    l = choleskyLower(sigma2, n);
    if (l) {
      first = sigma2;
      second = sigma1;
      report.swapped = true;
    }
  }
  if (!l && offset === 0) {
    offset = eps;
    warn({
      code: 'singular-covariance',
      message: `covariance product is singular to working precision; adding ${eps} to the diagonal of both covariance estimates (as pytorch-fid does)`,
    });
    l = choleskyLower(first, n, offset);
  }
  report.offset = offset;
  if (!l) {
    warn({
      code: 'indefinite-covariance',
      message:
        'a covariance is not positive semi-definite even after regularisation; using its PSD part (negative eigenvalues set to 0)',
    });
    report.method = 'eigen-fallback';
    return traceSqrtProductByEigen(sigma1, addDiagonal(sigma2, n, offset), n, matmul, offset);
  }
  report.method = 'cholesky';
  const factorMs = performance.now() - t;
  t = performance.now();

  const s2 = offset ? addDiagonal(second, n, offset) : second;
  // W = Σ2·L (= Σ2ᵀ·L), then M = Lᵀ·W; L is zero above its diagonal, M is symmetric.
  const w = matmul.matmulTN(rowMajor(s2, n, n), rowMajor(l, n, n), { bZeroAboveDiagonal: true });
  const mSym = matmul.matmulTN(rowMajor(l, n, n), rowMajor(w, n, n), {
    aZeroAboveDiagonal: true,
    symmetric: true,
  });
  const productMs = performance.now() - t;
  t = performance.now();
  const trace = sumSqrtClamped(symmetricEigenvalues(mSym, n));
  report.timings = { factorMs, productMs, eigenvaluesMs: performance.now() - t };
  return trace;
}

function sumSqrtClamped(eigenvalues: Float64Array): number {
  let s = 0;
  for (const lambda of eigenvalues) if (lambda > 0) s += Math.sqrt(lambda);
  return s;
}

function addDiagonal(a: Float64Array, n: number, value: number): Float64Array {
  const out = Float64Array.from(a);
  if (value !== 0) for (let i = 0; i < n; i++) out[i * n + i]! += value;
  return out;
}

/** Σ sqrt λ(Λ₊^½ Vᵀ Σ2 V Λ₊^½) with Σ1 + offset·I = VΛVᵀ and Λ₊ = max(Λ, 0). */
function traceSqrtProductByEigen(
  sigma1: Float64Array,
  sigma2: Float64Array,
  n: number,
  matmul: MatmulProvider,
  offset: number,
): number {
  const m1 = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m1.set(i, j, sigma1[i * n + j]! + (i === j ? offset : 0));
  }
  const eig = new EigenvalueDecomposition(m1, { assumeSymmetric: true });
  const vecs = eig.eigenvectorMatrix;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = vecs.get(i, j);
  const root = eig.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0)));
  const t = matmul.matmulTN(rowMajor(sigma2, n, n), rowMajor(v, n, n)); // Σ2·V
  const u = matmul.matmulTN(rowMajor(v, n, n), rowMajor(t, n, n), { symmetric: true }); // Vᵀ·Σ2·V
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[i * n + j]! *= root[i]! * root[j]!;
  return sumSqrtClamped(symmetricEigenvalues(u, n));
}
