import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { choleskyLower } from './cholesky.js';
import { columnMeans } from './covariance.js';
import { gemmTN, rowMajor, transposed } from './gemm.js';
import { symmetricEigenvalues } from './symmetric-eigenvalues.js';
import { mulberry32 } from '../metrics/seeded-random.js';

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: rows * cols }, () => r() - 0.5);
}

function naiveTN(a: Float64Array, b: Float64Array, k: number, m: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[t * m + i]! * b[t * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('gemmTN', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [130, 9, 6],
    [257, 33, 18],
  ])(
    'matches a naive product for K=%i, m=%i, n=%i (edges not multiples of 4 or the panel)',
    (k, m, n) => {
      const a = randomMatrix(k, m, 1);
      const b = randomMatrix(k, n, 2);
      const c = gemmTN(rowMajor(a, k, m), rowMajor(b, k, n), { panel: 64, blockN: 8 });
      expect(maxAbsDiff(c, naiveTN(a, b, k, m, n))).toBeLessThan(1e-12);
    },
  );

  it('computes a centred, symmetric gram matrix', () => {
    const k = 150;
    const m = 13;
    const x = randomMatrix(k, m, 3).map((v, i) => v + (i % m));
    const mean = columnMeans(x, k, m);
    const xc = x.map((v, i) => v - mean[i % m]!);
    const v = rowMajor(x, k, m);
    const c = gemmTN(v, v, { centerA: mean, centerB: mean, symmetric: true, panel: 32 });
    expect(maxAbsDiff(c, naiveTN(xc, xc, k, m, m))).toBeLessThan(1e-11);
  });

  it('skips structurally zero rows of triangular operands without changing the result', () => {
    const n = 23;
    const l = randomMatrix(n, n, 4).map((v, idx) => (idx % n > Math.floor(idx / n) ? 0 : v));
    const s = randomMatrix(n, n, 5);
    const full = naiveTN(s, l, n, n, n);
    expect(
      maxAbsDiff(
        gemmTN(rowMajor(s, n, n), rowMajor(l, n, n), { bZeroAboveDiagonal: true, panel: 8 }),
        full,
      ),
    ).toBeLessThan(1e-12);
    const lt = naiveTN(l, s, n, n, n);
    expect(
      maxAbsDiff(
        gemmTN(rowMajor(l, n, n), rowMajor(s, n, n), { aZeroAboveDiagonal: true, panel: 8 }),
        lt,
      ),
    ).toBeLessThan(1e-12);
  });

  it('reads transposes through strides (X·Xᵀ)', () => {
    const rows = 9;
    const cols = 11;
    const x = randomMatrix(rows, cols, 6);
    const xt = transposed(x, rows, cols);
    const c = gemmTN(xt, xt, { symmetric: true });
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let s = 0;
        for (let t = 0; t < cols; t++) s += x[i * cols + t]! * x[j * cols + t]!;
        expect(c[i * rows + j]).toBeCloseTo(s, 12);
      }
    }
  });
});

describe('choleskyLower', () => {
  it('factors an SPD matrix so that L·Lᵀ reproduces it', () => {
    const n = 17;
    const g = randomMatrix(n + 5, n, 7);
    const a = gemmTN(rowMajor(g, n + 5, n), rowMajor(g, n + 5, n));
    const l = choleskyLower(a, n)!;
    expect(l).not.toBeNull();
    const llt = gemmTN(transposed(l, n, n), transposed(l, n, n));
    expect(maxAbsDiff(llt, a)).toBeLessThan(1e-12);
  });

  it('returns null for singular and indefinite matrices, and succeeds once offset', () => {
    const singular = Float64Array.from([1, 1, 1, 1]);
    expect(choleskyLower(singular, 2)).toBeNull();
    expect(choleskyLower(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    expect(choleskyLower(singular, 2, 1e-6)).not.toBeNull();
  });
});

describe('symmetricEigenvalues', () => {
  // ml-matrix's full symmetric eigendecomposition is the independent reference here.
  it.each([1, 2, 3, 10, 64, 150])('matches ml-matrix for a random symmetric %i×%i matrix', (n) => {
    const r = randomMatrix(n, n, 10 + n);
    const a = r.map((_, idx) => r[idx]! + r[(idx % n) * n + Math.floor(idx / n)]!);
    const ours = Array.from(symmetricEigenvalues(a, n)).sort((x, y) => x - y);
    const ref = new EigenvalueDecomposition(
      new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))),
      {
        assumeSymmetric: true,
      },
    ).realEigenvalues.sort((x, y) => x - y);
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-10 * Math.max(1, n));
  });

  it('handles diagonal, zero and repeated-eigenvalue matrices', () => {
    expect(
      Array.from(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, 1, 0, 0, 0, 2]), 3)).sort(),
    ).toEqual([1, 2, 3]);
    expect(Array.from(symmetricEigenvalues(new Float64Array(16), 4))).toEqual([0, 0, 0, 0]);
    // J − I for the 5×5 all-ones J: eigenvalues 4 and −1 (×4).
    const a = Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 0 : 1));
    const ev = Array.from(symmetricEigenvalues(a, 5)).sort((x, y) => x - y);
    ev.forEach((v, i) => expect(v).toBeCloseTo(i === 4 ? 4 : -1, 12));
  });
});
