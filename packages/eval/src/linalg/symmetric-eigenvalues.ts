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
 * Householder tridiagonalisation of a symmetric row-major matrix (read-only; only its lower
 * triangle is read, from a copy). Works on the lower triangle only, and fuses each step's rank-2
 * update of a row with the next step's symmetric matrix–vector product on that row, so each step
 * streams half the trailing matrix once: the reduction is memory-bound, so traffic is what counts.
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const m = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  let v = new Float64Array(n); // reflector of the current step, indices k+1..n-1
  let p = new Float64Array(n); // β·B·v, then q = p − K·v
  let vNext = new Float64Array(n);
  let pNext = new Float64Array(n);
  if (n === 1) {
    d[0] = m[0]!;
    return { diagonal: d, offDiagonal: e };
  }

  // Reflector for column `k` (rows k+1..n-1) into `out`; returns β = 2/vᵀv, or 0 when the column is
  // already reduced, and writes the resulting off-diagonal value to e[k].
  const reflector = (k: number, out: Float64Array): number => {
    let s2 = 0;
    for (let i = k + 1; i < n; i++) {
      const x = m[i * n + k]!;
      out[i] = x;
      s2 += x * x;
    }
    const x0 = out[k + 1]!;
    if (s2 - x0 * x0 === 0) {
      e[k] = x0;
      return 0;
    }
    const s = Math.sqrt(s2);
    const alpha = x0 >= 0 ? -s : s;
    out[k + 1] = x0 - alpha;
    e[k] = alpha;
    return 1 / (s2 - x0 * alpha);
  };

  // One pass over rows from..n-1 of the lower triangle: optionally apply B ← B − v qᵀ − q vᵀ
  // (columns from..i), and accumulate pOut = β·B·w with the updated values (symv from the lower
  // triangle: row i contributes to pOut[i] and, by symmetry, to pOut[j] for j < i).
  const pass = (
    from: number,
    uv: Float64Array | null,
    uq: Float64Array | null,
    w: Float64Array,
    beta: number,
    pOut: Float64Array,
  ): void => {
    pOut.fill(0, from, n);
    for (let i = from; i < n; i++) {
      const r = i * n;
      const wi = w[i]!;
      let t = 0;
      if (uv && uq) {
        const vi = uv[i]!;
        const qi = uq[i]!;
        for (let j = from; j < i; j++) {
          const x = m[r + j]! - vi * uq[j]! - qi * uv[j]!;
          m[r + j] = x;
          pOut[j]! += wi * x;
          t += x * w[j]!;
        }
        m[r + i] = m[r + i]! - 2 * vi * qi;
      } else {
        for (let j = from; j < i; j++) {
          const x = m[r + j]!;
          pOut[j]! += wi * x;
          t += x * w[j]!;
        }
      }
      pOut[i]! += wi * m[r + i]! + t;
    }
    for (let i = from; i < n; i++) pOut[i]! *= beta;
  };

  let beta = n > 2 ? reflector(0, v) : 0;
  if (beta !== 0) pass(1, null, null, v, beta, p);

  for (let k = 0; k < n - 2; k++) {
    d[k] = m[k * n + k]!;
    const k1 = k + 1;
    if (beta !== 0) {
      // q = p − (β/2)(vᵀp) v; then update column k+1 first, since it defines the next reflector.
      let vp = 0;
      for (let j = k1; j < n; j++) vp += v[j]! * p[j]!;
      const kk = 0.5 * beta * vp;
      for (let j = k1; j < n; j++) p[j] = p[j]! - kk * v[j]!;
      const qk = p[k1]!;
      const vk = v[k1]!;
      for (let i = k1; i < n; i++) m[i * n + k1] = m[i * n + k1]! - v[i]! * qk - p[i]! * vk;
    }
    const hasNext = k1 < n - 2;
    const betaNext = hasNext ? reflector(k1, vNext) : 0;
    if (beta !== 0 || betaNext !== 0) {
      pass(k1 + 1, beta !== 0 ? v : null, beta !== 0 ? p : null, vNext, betaNext, pNext);
    }
    beta = betaNext;
    [v, vNext] = [vNext, v];
    [p, pNext] = [pNext, p];
  }
  d[n - 2] = m[(n - 2) * n + n - 2]!;
  d[n - 1] = m[(n - 1) * n + n - 1]!;
  e[n - 2] = m[(n - 1) * n + n - 2]!;
  e[n - 1] = 0;
  return { diagonal: d, offDiagonal: e };
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
