/**
 * Lower Cholesky factor L (row-major, zeros above the diagonal) of a symmetric matrix plus
 * `offset`·I, or null when a pivot is not clearly positive, i.e. the matrix is singular to
 * working precision or indefinite. Row-oriented so every inner product reads contiguous memory.
 */
export function choleskyLower(a: Float64Array, n: number, offset = 0): Float64Array | null {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]! + offset);
  // Pivots this small are round-off: accepting them would divide by noise.
  const tol = n * Number.EPSILON * maxDiag;
  if (!(maxDiag > 0)) return null;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      // Four accumulators break the add dependency chain.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s0 += l[ri + k]! * l[rj + k]!;
        s1 += l[ri + k + 1]! * l[rj + k + 1]!;
        s2 += l[ri + k + 2]! * l[rj + k + 2]!;
        s3 += l[ri + k + 3]! * l[rj + k + 3]!;
      }
      for (; k < j; k++) s0 += l[ri + k]! * l[rj + k]!;
      const s = a[ri + j]! + (i === j ? offset : 0) - (s0 + s1 + s2 + s3);
      if (i === j) {
        if (!(s > tol)) return null;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
  }
  return l;
}
