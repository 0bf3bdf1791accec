/**
 * Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then implicit
 * QL. No eigenvectors are formed, which makes this several times cheaper than a full
 * eigendecomposition (the FID only needs the spectrum of one symmetric matrix).
 */

export interface Tridiagonal {
  diagonal: Float64Array; // [n]
  offDiagonal: Float64Array; // [n]; entry k couples k and k+1, the last is 0
}

/**
 * Householder tridiagonalisation of a symmetric row-major matrix (read-only; a copy is modified).
 * Each step's rank-2 update of a row is fused with the next step's matrix–vector product on that
 * row, so the trailing matrix is streamed once per step instead of twice.
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const m = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const v = new Float64Array(n); // reflector of the current step, indices k+1..n-1
  const p = new Float64Array(n); // β·B·v, then q = p − K·v
  const vNext = new Float64Array(n);
  const pNext = new Float64Array(n);

  // Reflector for row `k`, entries k+1..n-1, into `out`; returns β (0 when no reflection is needed)
  // and writes the resulting off-diagonal value to e[k].
  const reflector = (k: number, out: Float64Array): number => {
    const r = k * n;
    let s2 = 0;
    for (let j = k + 1; j < n; j++) s2 += m[r + j]! * m[r + j]!;
    const x0 = m[r + k + 1]!;
    const tail = s2 - x0 * x0;
    if (tail === 0) {
      // Already tridiagonal in this row: H = I.
      e[k] = x0;
      return 0;
    }
    const s = Math.sqrt(s2);
    const alpha = x0 >= 0 ? -s : s;
    for (let j = k + 1; j < n; j++) out[j] = m[r + j]!;
    out[k + 1] = x0 - alpha;
    e[k] = alpha;
    return 1 / (s2 - x0 * alpha); // 2 / vᵀv
  };
  const rowDot = (i: number, from: number, w: Float64Array): number => {
    const r = i * n;
    let s0 = 0, s1 = 0; // prettier-ignore
    let j = from;
    for (; j + 1 < n; j += 2) {
      s0 += m[r + j]! * w[j]!;
      s1 += m[r + j + 1]! * w[j + 1]!;
    }
    if (j < n) s0 += m[r + j]! * w[j]!;
    return s0 + s1;
  };

  if (n === 1) {
    d[0] = m[0]!;
    return { diagonal: d, offDiagonal: e };
  }
  let beta = n > 2 ? reflector(0, v) : 0;
  if (beta !== 0) for (let i = 1; i < n; i++) p[i] = beta * rowDot(i, 1, v);

  for (let k = 0; k < n - 2; k++) {
    d[k] = m[k * n + k]!;
    const k1 = k + 1;
    const hasNext = k1 < n - 2;
    if (beta !== 0) {
      // q = p − (β/2)(vᵀp) v, then B ← B − v qᵀ − q vᵀ on rows/cols k+1..n-1.
      let vp = 0;
      for (let j = k1; j < n; j++) vp += v[j]! * p[j]!;
      const kk = 0.5 * beta * vp;
      for (let j = k1; j < n; j++) p[j] = p[j]! - kk * v[j]!;
      updateRow(m, n, k1, k1, v, p);
    }
    const betaNext = hasNext ? reflector(k1, vNext) : 0;
    for (let i = k1 + 1; i < n; i++) {
      // Column k+1 of rows below is never read again (row k+1 holds it), so start at k+2.
      if (beta !== 0) updateRow(m, n, i, k1 + 1, v, p);
      if (betaNext !== 0) pNext[i] = betaNext * rowDot(i, k1 + 1, vNext);
    }
    beta = betaNext;
    v.set(vNext);
    p.set(pNext);
  }
  d[n - 2] = m[(n - 2) * n + n - 2]!;
  d[n - 1] = m[(n - 1) * n + n - 1]!;
  e[n - 2] = m[(n - 2) * n + n - 1]!;
  e[n - 1] = 0;
  return { diagonal: d, offDiagonal: e };
}

function updateRow(m: Float64Array, n: number, i: number, from: number, v: Float64Array, q: Float64Array): void {
  const r = i * n;
  const vi = v[i]!;
  const qi = q[i]!;
  for (let j = from; j < n; j++) m[r + j] = m[r + j]! - vi * q[j]! - qi * v[j]!;
}

/** Eigenvalues of a symmetric tridiagonal matrix by implicit QL with Wilkinson-style shifts. */
export function tridiagonalEigenvalues(t: Tridiagonal): Float64Array {
  const d = Float64Array.from(t.diagonal);
  const e = Float64Array.from(t.offDiagonal);
  const n = d.length;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let mm = l;
      for (; mm < n - 1; mm++) {
        const dd = Math.abs(d[mm]!) + Math.abs(d[mm + 1]!);
        if (Math.abs(e[mm]!) <= Number.EPSILON * dd) break;
      }
      if (mm === l) break;
      if (++iter > 60) throw new Error(`tridiagonal QL did not converge at index ${l}`);
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[mm]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = mm - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Deflate: the rotation cannot continue past a zero.
          d[i + 1] = d[i + 1]! - p;
          e[mm] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[mm] = 0;
    }
  }
  return d;
}

/** All eigenvalues of a symmetric row-major [n, n] matrix, unsorted. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return tridiagonalEigenvalues(tridiagonalize(a, n));
}
