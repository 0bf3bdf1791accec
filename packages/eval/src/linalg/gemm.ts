/**
 * Float64 matrix products in plain JavaScript, cache-blocked with a 4×4 register tile.
 *
 * Everything is expressed as C = Aᵀ·B, where A is read as [K, m] and B as [K, n], because that
 * one shape covers the covariance (XᵀX), XXᵀ (pass Xᵀ through strides), and products with a
 * triangular factor. Inputs are read through strides, so transposes cost nothing.
 */

/** Read-only view of a matrix: element (r, c) is `data[offset + r * rowStride + c * colStride]`. */
export interface MatrixView {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
  rowStride: number;
  colStride: number;
  offset?: number;
}

/** A row-major view of a dense [rows, cols] array. */
export function rowMajor(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
): MatrixView {
  return { data, rows, cols, rowStride: cols, colStride: 1 };
}

/** The transpose of a row-major [rows, cols] array, viewed as [cols, rows]. */
export function transposed(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
): MatrixView {
  return { data, rows: cols, cols: rows, rowStride: 1, colStride: cols };
}

export interface GemmTNOptions {
  /** Subtract these per-column means from A (and from B when B is A) while packing. */
  centerA?: Float64Array;
  centerB?: Float64Array;
  /** C is symmetric: compute only tiles on or above the diagonal and mirror them. */
  symmetric?: boolean;
  /** A(k, i) = 0 for k < i: skip those k. */
  aZeroAboveDiagonal?: boolean;
  /** B(k, j) = 0 for k < j: skip those k. */
  bZeroAboveDiagonal?: boolean;
  /** Rows of K packed per pass; 128 keeps a 4-column strip in L1 and a B block in L2. */
  panel?: number;
  /** Columns of B per block, so the packed B block stays in L2 while all of A streams past. */
  blockN?: number;
  /** Add into this [m, n] row-major array instead of a fresh one. */
  out?: Float64Array;
}

/**
 * Packs rows [k0, k0+kb) of a [K, cols] view into 4-column strips, `dst[q*kb*4 + kk*4 + r]`, so the
 * kernel reads both operands sequentially. Missing rows/columns are zero, so edge tiles need no
 * special case in the inner loop.
 */
function packPanel(
  v: MatrixView,
  k0: number,
  kb: number,
  dst: Float64Array,
  center?: Float64Array,
): void {
  const { data, rows, cols, rowStride, colStride } = v;
  const off = v.offset ?? 0;
  const quads = Math.ceil(cols / 4);
  const kEnd = Math.min(rows, k0 + kb);
  dst.fill(0, 0, quads * kb * 4);
  for (let k = k0; k < kEnd; k++) {
    const src = off + k * rowStride;
    const kk = (k - k0) * 4;
    for (let c = 0; c < cols; c++) {
      const q = c >> 2;
      dst[q * kb * 4 + kk + (c & 3)] = data[src + c * colStride]! - (center ? center[c]! : 0);
    }
  }
}

/** C = Aᵀ·B for A viewed as [K, m] and B as [K, n]; returns C as a row-major [m, n] Float64Array. */
export function gemmTN(a: MatrixView, b: MatrixView, options: GemmTNOptions = {}): Float64Array {
  const K = a.rows;
  if (b.rows !== K) throw new Error(`gemmTN: A has ${K} rows but B has ${b.rows}`);
  const m = a.cols;
  const n = b.cols;
  const same = a === b && options.centerA === options.centerB;
  const symmetric = options.symmetric ?? false;
  if (symmetric && m !== n) throw new Error('gemmTN: a symmetric result must be square');
  const kb = options.panel ?? 128;
  const blockQ = Math.max(1, Math.floor((options.blockN ?? 256) / 4));
  const aTri = options.aZeroAboveDiagonal ?? false;
  const bTri = options.bZeroAboveDiagonal ?? false;
  const c = options.out ?? new Float64Array(m * n);
  const qm = Math.ceil(m / 4);
  const qn = Math.ceil(n / 4);
  const pa = new Float64Array(qm * kb * 4);
  const pb = same ? pa : new Float64Array(qn * kb * 4);
  const tile = new Float64Array(16);

  for (let k0 = 0; k0 < K; k0 += kb) {
    packPanel(a, k0, kb, pa, options.centerA);
    if (!same) packPanel(b, k0, kb, pb, options.centerB);
    for (let qj0 = 0; qj0 < qn; qj0 += blockQ) {
      const qj1 = Math.min(qn, qj0 + blockQ);
      const qiEnd = symmetric ? Math.min(qm, qj1) : qm;
      for (let qi = 0; qi < qiEnd; qi++) {
        const ai = qi * kb * 4;
        for (let qj = symmetric ? Math.max(qj0, qi) : qj0; qj < qj1; qj++) {
          // Rows of K below which A or B is known to be zero for this tile.
          let kStart = 0;
          if (aTri) kStart = qi * 4;
          if (bTri && qj * 4 > kStart) kStart = qj * 4;
          let kLo = kStart - k0;
          if (kLo >= kb) continue;
          if (kLo < 0) kLo = 0;
          const bj = qj * kb * 4;
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
          for (let k = kLo; k < kb; k++) {
            const o = ai + k * 4;
            const p = bj + k * 4;
            const a0 = pa[o]!, a1 = pa[o + 1]!, a2 = pa[o + 2]!, a3 = pa[o + 3]!; // prettier-ignore
            const b0 = pb[p]!, b1 = pb[p + 1]!, b2 = pb[p + 2]!, b3 = pb[p + 3]!; // prettier-ignore
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3; // prettier-ignore
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3; // prettier-ignore
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3; // prettier-ignore
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3; // prettier-ignore
          }
          const i0 = qi * 4;
          const j0 = qj * 4;
          if (i0 + 4 <= m && j0 + 4 <= n) {
            let r = i0 * n + j0;
            c[r] += c00;
            c[r + 1] += c01;
            c[r + 2] += c02;
            c[r + 3] += c03;
            r += n; // prettier-ignore
            c[r] += c10;
            c[r + 1] += c11;
            c[r + 2] += c12;
            c[r + 3] += c13;
            r += n; // prettier-ignore
            c[r] += c20;
            c[r + 1] += c21;
            c[r + 2] += c22;
            c[r + 3] += c23;
            r += n; // prettier-ignore
            c[r] += c30;
            c[r + 1] += c31;
            c[r + 2] += c32;
            c[r + 3] += c33; // prettier-ignore
          } else {
            tile[0] = c00;
            tile[1] = c01;
            tile[2] = c02;
            tile[3] = c03; // prettier-ignore
            tile[4] = c10;
            tile[5] = c11;
            tile[6] = c12;
            tile[7] = c13; // prettier-ignore
            tile[8] = c20;
            tile[9] = c21;
            tile[10] = c22;
            tile[11] = c23; // prettier-ignore
            tile[12] = c30;
            tile[13] = c31;
            tile[14] = c32;
            tile[15] = c33; // prettier-ignore
            for (let r = 0; r < 4 && i0 + r < m; r++) {
              for (let s = 0; s < 4 && j0 + s < n; s++)
                c[(i0 + r) * n + j0 + s] += tile[r * 4 + s]!;
            }
          }
        }
      }
    }
  }
  if (symmetric) mirrorUpper(c, n);
  return c;
}

/** Copies the upper triangle of a square row-major matrix onto its lower triangle. */
export function mirrorUpper(c: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i]!;
  }
}
