// SIMD128 GEMM and convolution kernels for the wasm backend. They run on the wasm heap of
// tfjs-backend-wasm (the memory is imported), so tensors are used in place.
//
// Why not XNNPACK (which tfjs uses): on this project's machines V8 spills its 6×8/8×8 register
// tiles, and its convs run at 21–32 GFLOP/s a core; a 4×8 tile (8 accumulators, which V8 keeps in
// registers) reaches ~50 (docs/experiments/2026-12-05-simd-gemm.md).
//
// Rules that keep this module safe inside another module's memory, checked by build.sh: no data
// segments, no use of the shadow stack (all state in locals), no imports but the memory.
// Every function takes a range of its output ([lo, hi)), so callers can split work over threads;
// each output element is computed the same way whatever the split (bit-identical results).
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

INLINE v128_t madd(v128_t a, v128_t b, v128_t c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
INLINE int min_i(int a, int b) { return a < b ? a : b; }
INLINE int max_i(int a, int b) { return a > b ? a : b; }
// floor(a / b) for b > 0.
INLINE int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The 4×8 register tile: rows r0..r3 of A (each advancing by `astep` floats a step), 8 columns of
// B (advancing by `bstep`).
#define TILE_DECL v128_t c00, c01, c10, c11, c20, c21, c30, c31
#define TILE_SET(lo, hi) c00 = c10 = c20 = c30 = (lo), c01 = c11 = c21 = c31 = (hi)
#define TILE_LOOP(n, a0, a1, a2, a3, astep, b, bstep)                                    \
  for (int k_ = 0; k_ < (n); k_++) {                                                      \
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load((b) + 4), s;                      \
    s = wasm_v128_load32_splat(a0), c00 = madd(s, b0, c00), c01 = madd(s, b1, c01);      \
    s = wasm_v128_load32_splat(a1), c10 = madd(s, b0, c10), c11 = madd(s, b1, c11);      \
    s = wasm_v128_load32_splat(a2), c20 = madd(s, b0, c20), c21 = madd(s, b1, c21);      \
    s = wasm_v128_load32_splat(a3), c30 = madd(s, b0, c30), c31 = madd(s, b1, c31);      \
    a0 += (astep), a1 += (astep), a2 += (astep), a3 += (astep), b += (bstep);            \
  }

// The first n (0..4) floats at p, zeros after.
INLINE v128_t load_partial(const f32* p, int n) {
  v128_t v = wasm_f32x4_splat(0);
  if (n > 0) v = wasm_f32x4_replace_lane(v, 0, p[0]);
  if (n > 1) v = wasm_f32x4_replace_lane(v, 1, p[1]);
  if (n > 2) v = wasm_f32x4_replace_lane(v, 2, p[2]);
  if (n > 3) v = wasm_f32x4_replace_lane(v, 3, p[3]);
  return v;
}

// Stores `n` (1..8) columns of one tile row; adds to what is there when `acc`.
INLINE void store_row(f32* c, v128_t lo, v128_t hi, int n, int acc) {
  if (n == 8) {
    if (acc) {
      lo = wasm_f32x4_add(wasm_v128_load(c), lo);
      hi = wasm_f32x4_add(wasm_v128_load(c + 4), hi);
    }
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
    return;
  }
  // Constant lane indices only: a variable one would spill the vectors to the shadow stack.
#define LANE(i, v, l) \
  if (n > (i)) c[i] = acc ? c[i] + wasm_f32x4_extract_lane(v, l) : wasm_f32x4_extract_lane(v, l)
  LANE(0, lo, 0);
  LANE(1, lo, 1);
  LANE(2, lo, 2);
  LANE(3, lo, 3);
  LANE(4, hi, 0);
  LANE(5, hi, 1);
  LANE(6, hi, 2);
#undef LANE
}

// Accumulators start at bias[j0 .. j0 + 8) (n valid, zeros after), or 0 without a bias.
#define TILE_INIT_BIAS(bias, j0, n)                                                       \
  do {                                                                                    \
    if (!(bias)) TILE_SET(wasm_f32x4_splat(0), wasm_f32x4_splat(0));                      \
    else if ((n) == 8) TILE_SET(wasm_v128_load((bias) + (j0)), wasm_v128_load((bias) + (j0) + 4)); \
    else TILE_SET(load_partial((bias) + (j0), (n)), load_partial((bias) + (j0) + 4, (n) - 4)); \
  } while (0)

#define TILE_STORE(c0, ldc, rows, n, acc)                                \
  do {                                                                   \
    f32* c_ = (c0);                                                      \
    store_row(c_, c00, c01, n, acc);                                     \
    if ((rows) > 1) store_row(c_ + (ldc), c10, c11, n, acc);             \
    if ((rows) > 2) store_row(c_ + 2 * (ldc), c20, c21, n, acc);         \
    if ((rows) > 3) store_row(c_ + 3 * (ldc), c30, c31, n, acc);         \
  } while (0)

// Panels of B per cache block: the packed panels a tile row sweeps stay in L2 (~256 KiB).
INLINE int panels_per_block(int k) { return max_i(1, 65536 / max_i(1, k * 8)); }

// Packs B[K, N] into Bp[N/8][K][8] (zero-filled past N), for the panels [u0, u1) counted across
// `strideB`-apart batch entries (unit b·panels + j); packed entries follow each other. B is read
// with row stride ldb, or, when `trans`, as the transpose of a stored [N, K] matrix.
EXPORT(pack_b)
void pack_b(const f32* B, int ldb, int trans, int strideB, int K, int N, f32* Bp, int u0, int u1) {
  int panels = (N + 7) / 8;
  for (int u = u0; u < u1; u++) {
    int j = u % panels;
    const f32* Bb = B + (long)(u / panels) * strideB;
    f32* out = Bp + (long)u * K * 8;
    int n = min_i(8, N - j * 8);
    if (trans) {
      // Column c of the panel is stored row j·8 + c: gather 8 rows, one k at a time.
      for (int k = 0; k < K; k++, out += 8)
        for (int c = 0; c < 8; c++) out[c] = c < n ? Bb[(long)(j * 8 + c) * ldb + k] : 0.0f;
      continue;
    }
    for (int k = 0; k < K; k++) {
      const f32* row = Bb + (long)k * ldb + j * 8;
      if (n == 8) {
        wasm_v128_store(out, wasm_v128_load(row));
        wasm_v128_store(out + 4, wasm_v128_load(row + 4));
      } else {
        for (int c = 0; c < 8; c++) out[c] = c < n ? row[c] : 0.0f;
      }
      out += 8;
    }
  }
}

// C[i, :] (+)= A[i, :]·B + bias for the rows [i0, i1) of `batch` independent products, counted
// across the batch (row r of entry b is unit b·M + r, so one call splits over entries and rows).
// A[M, K] has row stride lda, or, when `transA`, is the transpose of a stored [K, M] matrix with
// row stride lda; entries are strideA floats apart. Bp holds each entry's B packed by pack_b,
// strideB floats apart (0: one B for all). C has row stride ldc, entries strideC apart. `bias`
// (N floats) may be 0; `acc` adds to C.
EXPORT(gemm)
void gemm(const f32* A, int lda, int transA, int strideA, const f32* Bp, int strideB, int M, int K,
          int N, const f32* bias, f32* C, int ldc, int strideC, int acc, int u0, int u1) {
  int panels = (N + 7) / 8, block = panels_per_block(K);
  int astep = transA ? lda : 1, rstep = transA ? 1 : lda;
  while (u0 < u1) {
    int b = u0 / M, i0 = u0 % M, i1 = min_i(M, i0 + (u1 - u0));
    const f32* Ab = A + (long)b * strideA;
    const f32* Bb = Bp + (long)b * strideB;
    f32* Cb = C + (long)b * strideC;
    for (int jb = 0; jb < panels; jb += block) {
      int je = min_i(panels, jb + block);
      for (int i = i0; i < i1; i += 4) {
        int rows = min_i(4, i1 - i);
        const f32* r0 = Ab + (long)i * rstep;
        const f32* r1 = rows > 1 ? r0 + rstep : r0;
        const f32* r2 = rows > 2 ? r0 + 2 * rstep : r0;
        const f32* r3 = rows > 3 ? r0 + 3 * rstep : r0;
        for (int j = jb; j < je; j++) {
          TILE_DECL;
          TILE_INIT_BIAS(bias, j * 8, min_i(8, N - j * 8));
          const f32 *a0 = r0, *a1 = r1, *a2 = r2, *a3 = r3, *bp = Bb + (long)j * K * 8;
          TILE_LOOP(K, a0, a1, a2, a3, astep, bp, 8);
          TILE_STORE(Cb + (long)i * ldc + j * 8, ldc, rows, min_i(8, N - j * 8), acc);
        }
      }
    }
    u0 += i1 - i0;
  }
}

// NHWC convolution for output pixels [p0, p1) of the flattened [B, OH, OW]: y = x ⊛ W + bias.
// Wp is the [KH·KW·Ci, Co] filter packed by pack_b. `zeros` points at ≥ Ci zero floats, read
// in place of padding.
EXPORT(conv2d)
void conv2d(const f32* x, const f32* Wp, const f32* bias, f32* y, const f32* zeros, int H, int W,
            int Ci, int OH, int OW, int Co, int KH, int KW, int sh, int sw, int dh, int dw,
            int padT, int padL, int p0, int p1) {
  int K = KH * KW * Ci, panels = (Co + 7) / 8, block = panels_per_block(K);
  int plane = OH * OW;
  for (int jb = 0; jb < panels; jb += block) {
    int je = min_i(panels, jb + block);
    for (int p = p0; p < p1; p += 4) {
      int rows = min_i(4, p1 - p);
      // Image base and top-left input corner of each of the tile's pixels (repeats past the end).
      int q0 = p, q1 = p + min_i(1, rows - 1), q2 = p + min_i(2, rows - 1), q3 = p + min_i(3, rows - 1);
#define CORNER(q, base, ih, iw)                                           \
  const f32* base = x + (long)((q) / plane) * H * W * Ci;                 \
  int ih = ((q) % plane) / OW * sh - padT, iw = ((q) % plane) % OW * sw - padL
      CORNER(q0, x0, ih0, iw0);
      CORNER(q1, x1, ih1, iw1);
      CORNER(q2, x2, ih2, iw2);
      CORNER(q3, x3, ih3, iw3);
#undef CORNER
      for (int j = jb; j < je; j++) {
        TILE_DECL;
        TILE_INIT_BIAS(bias, j * 8, min_i(8, Co - j * 8));
        const f32* b = Wp + (long)j * K * 8;
        for (int kh = 0; kh < KH; kh++) {
          for (int kw = 0; kw < KW; kw++) {
#define TAP(xb, ih, iw) \
  ((unsigned)((ih) + kh * dh) < (unsigned)H && (unsigned)((iw) + kw * dw) < (unsigned)W \
       ? (xb) + ((long)((ih) + kh * dh) * W + (iw) + kw * dw) * Ci : zeros)
            const f32 *a0 = TAP(x0, ih0, iw0), *a1 = TAP(x1, ih1, iw1);
            const f32 *a2 = TAP(x2, ih2, iw2), *a3 = TAP(x3, ih3, iw3);
#undef TAP
            TILE_LOOP(Ci, a0, a1, a2, a3, 1, b, 8);
          }
        }
        TILE_STORE(y + (long)p * Co + j * 8, Co, rows, min_i(8, Co - j * 8), 0);
      }
    }
  }
}

// Output rows per chunk of the filter gradient: the chunk's x and dy stay in L2 (~256 KiB).
EXPORT(filter_grad_chunk_rows)
int filter_grad_chunk_rows(int OW, int Ci, int Co) { return max_i(1, 65536 / max_i(1, OW * (Ci + Co))); }

// Filter gradient of conv2d, for output columns (of Co) in panels [j0, j1):
// dW[kh, kw, ci, co] += Σ_{b,oh,ow} x[b, oh·sh + kh·dh − padT, ow·sw + kw·dw − padL, ci]·dy[b, oh, ow, co].
// Adds to dW (the caller zeroes it). Needs Co % 8 == 0, and `scratch` of
// filter_grad_chunk_rows(OW, Ci, Co)·OW·Co floats.
// The sum runs over chunks of output rows sized to stay in L2, in a fixed order.
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const f32* x, const f32* dy, f32* dW, f32* scratch, int B, int H, int W,
                        int Ci, int OH, int OW, int Co, int KH, int KW, int sh, int sw, int dh,
                        int dw, int padT, int padL, int j0, int j1) {
  int rows_total = B * OH;
  int chunk = filter_grad_chunk_rows(OW, Ci, Co), cp = chunk * OW;
  for (int r0 = 0; r0 < rows_total; r0 += chunk) {
    int r1 = min_i(rows_total, r0 + chunk);
    // This call's panels of the chunk's dy, packed [panel][pixel][8]: the tile loop then reads
    // B contiguously, as the forward conv does.
    for (int j = j0; j < j1; j++) {
      f32* out = scratch + (long)j * cp * 8;
      const f32* in = dy + (long)r0 * OW * Co + j * 8;
      for (int p = 0; p < (r1 - r0) * OW; p++, out += 8, in += Co) {
        wasm_v128_store(out, wasm_v128_load(in));
        wasm_v128_store(out + 4, wasm_v128_load(in + 4));
      }
    }
    for (int kh = 0; kh < KH; kh++) {
      for (int kw = 0; kw < KW; kw++) {
        // Output columns whose input column is inside the image for this tap.
        int off = kw * dw - padL;
        int owA = max_i(0, floor_div(-off + sw - 1, sw));
        int owB = min_i(OW, floor_div(W - 1 - off, sw) + 1);
        if (owB <= owA) continue;
        f32* dWt = dW + (long)(kh * KW + kw) * Ci * Co;
        for (int ci = 0; ci < Ci; ci += 4) {
          int rows = min_i(4, Ci - ci);
          int o1 = min_i(1, rows - 1), o2 = min_i(2, rows - 1), o3 = min_i(3, rows - 1);
          for (int j = j0; j < j1; j++) {
            TILE_DECL;
            TILE_SET(wasm_f32x4_splat(0), wasm_f32x4_splat(0));
            for (int r = r0; r < r1; r++) {
              int bi = r / OH, oh = r % OH, ih = oh * sh + kh * dh - padT;
              if ((unsigned)ih >= (unsigned)H) continue;
              const f32* a0 = x + (((long)bi * H + ih) * W + owA * sw + off) * Ci + ci;
              const f32 *a1 = a0 + o1, *a2 = a0 + o2, *a3 = a0 + o3;
              const f32* b = scratch + (long)j * cp * 8 + ((long)(r - r0) * OW + owA) * 8;
              TILE_LOOP(owB - owA, a0, a1, a2, a3, sw * Ci, b, 8);
            }
            TILE_STORE(dWt + (long)ci * Co + j * 8, Co, rows, 8, 1);
          }
        }
      }
    }
  }
}

// ---- GroupNorm over channels-last x: [B, N, C], C % 4 == 0, groups of C/G channels ----------
// Per image (the units [b0, b1)), with per-channel sums in `scratch` (GN_SCRATCH·C floats per
// image). Sums start from row 0 rather than from zero: a zeroing loop would become a memset call.
#define GN_SCRATCH 5

INLINE f32 bits_to_f32(int bits) {
  union {
    int i;
    f32 f;
  } u = {bits};
  return u.f;
}

// Sums each group's C/G channels of s[0..C) and spreads the total back over them, times `mul`.
INLINE void group_totals(f32* s, int C, int G, f32 mul) {
  int cg = C / G;
  for (int g = 0; g < G; g++) {
    f32 t = 0.0f;
    for (int j = 0; j < cg; j++) t += s[g * cg + j];
    for (int j = 0; j < cg; j++) s[g * cg + j] = t * mul;
  }
}

// y = γ·(x − μ)·r + β, stats[b, g] = (μ, r), r = 1/√(var + eps); eps is passed as its f32 bits.
EXPORT(group_norm)
void group_norm(const f32* x, const f32* gamma, const f32* beta, f32* y, f32* stats, f32* scratch,
                int N, int C, int G, int eps_bits, int b0, int b1) {
  f32 eps = bits_to_f32(eps_bits), inv = 1.0f / ((f32)N * (f32)(C / G));
  for (int b = b0; b < b1; b++) {
    const f32* xb = x + (long)b * N * C;
    f32* yb = y + (long)b * N * C;
    f32 *mean = scratch + (long)b * GN_SCRATCH * C, *var = mean + C, *scale = var + C, *shift = scale + C;
    for (int c = 0; c < C; c += 4) wasm_v128_store(mean + c, wasm_v128_load(xb + c));
    for (int n = 1; n < N; n++)
      for (int c = 0; c < C; c += 4)
        wasm_v128_store(mean + c, wasm_f32x4_add(wasm_v128_load(mean + c), wasm_v128_load(xb + n * C + c)));
    group_totals(mean, C, G, inv);
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c += 4) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(xb + n * C + c), wasm_v128_load(mean + c));
        wasm_v128_store(var + c, n ? madd(d, d, wasm_v128_load(var + c)) : wasm_f32x4_mul(d, d));
      }
    group_totals(var, C, G, inv);
    int cg = C / G;
    for (int c = 0; c < C; c++) {
      f32 r = 1.0f / __builtin_sqrtf(var[c] + eps);
      scale[c] = gamma[c] * r;
      shift[c] = beta[c] - mean[c] * gamma[c] * r;
      if (c % cg == 0) {
        stats[((long)b * G + c / cg) * 2] = mean[c];
        stats[((long)b * G + c / cg) * 2 + 1] = r;
      }
    }
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c += 4)
        wasm_v128_store(yb + n * C + c, madd(wasm_v128_load(xb + n * C + c), wasm_v128_load(scale + c),
                                             wasm_v128_load(shift + c)));
  }
}

// dx = r·(γ·dy − mean_g(γ·dy) − x̂·mean_g(γ·dy·x̂)), x̂ = (x − μ)·r; per image, Σ_n dy and
// Σ_n dy·x̂ per channel are left in scratch[b·GN_SCRATCH·C ..] and the C floats after (dβ and dγ
// are their sums over images, taken by the caller in a fixed order).
EXPORT(group_norm_grad)
void group_norm_grad(const f32* x, const f32* dy, const f32* stats, const f32* gamma, f32* dx,
                     f32* scratch, int N, int C, int G, int b0, int b1) {
  f32 inv = 1.0f / ((f32)N * (f32)(C / G));
  int cg = C / G;
  for (int b = b0; b < b1; b++) {
    const f32 *xb = x + (long)b * N * C, *db = dy + (long)b * N * C;
    f32* dxb = dx + (long)b * N * C;
    f32 *s1 = scratch + (long)b * GN_SCRATCH * C, *s2 = s1 + C, *mean = s2 + C, *rstd = mean + C;
    f32* p = rstd + C;
    for (int c = 0; c < C; c++) {
      mean[c] = stats[((long)b * G + c / cg) * 2];
      rstd[c] = stats[((long)b * G + c / cg) * 2 + 1];
    }
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c += 4) {
        v128_t d = wasm_v128_load(db + n * C + c);
        v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xb + n * C + c), wasm_v128_load(mean + c)),
                                   wasm_v128_load(rstd + c));
        wasm_v128_store(s1 + c, n ? wasm_f32x4_add(wasm_v128_load(s1 + c), d) : d);
        wasm_v128_store(s2 + c, n ? madd(d, xh, wasm_v128_load(s2 + c)) : wasm_f32x4_mul(d, xh));
      }
    // A = mean_g(γ·s1), B = mean_g(γ·s2). Per channel, dx = r·γ·dy − r·A − (x − μ)·r²·B
    // = p·dy + q·x + o, with o and q written over μ and r once read.
    for (int g = 0; g < G; g++) {
      f32 a = 0.0f, bb = 0.0f;
      for (int j = 0; j < cg; j++) {
        a += gamma[g * cg + j] * s1[g * cg + j];
        bb += gamma[g * cg + j] * s2[g * cg + j];
      }
      a *= inv;
      bb *= inv;
      for (int j = 0; j < cg; j++) {
        int c = g * cg + j;
        f32 r = rstd[c], m = mean[c];
        // x̂·r·B = (x − m)·r²·B: q = −r²·B, offset folded into o = r·(m·r·B − A).
        p[c] = r * gamma[c];
        mean[c] = r * (m * r * bb - a);
        rstd[c] = -r * r * bb;
      }
    }
    f32 *o = mean, *q = rstd;
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c += 4) {
        v128_t v = madd(wasm_v128_load(p + c), wasm_v128_load(db + n * C + c), wasm_v128_load(o + c));
        wasm_v128_store(dxb + n * C + c, madd(wasm_v128_load(q + c), wasm_v128_load(xb + n * C + c), v));
      }
  }
}

// ---- AdamW, element-wise over [lo, hi); float arguments are passed as their f32 bits ----------
// The same f32 operations in the same order as the JS kernel (adamw.ts), so the same results:
//   g·scale; m' = β1·m + (1−β1)·g; v' = β2·v + (1−β2)·g²; d = √v'/√bc2 + ε; p' = p·decay − (m'/d)·step
EXPORT(adamw)
void adamw(const f32* g, const f32* p, const f32* m, const f32* v, f32* po, f32* mo, f32* vo,
           int b1_bits, int ob1_bits, int b2_bits, int ob2_bits, int sqrt_bc2_bits, int eps_bits,
           int decay_bits, int step_bits, int scale_bits, int lo, int hi) {
  f32 b1 = bits_to_f32(b1_bits), ob1 = bits_to_f32(ob1_bits), b2 = bits_to_f32(b2_bits);
  f32 ob2 = bits_to_f32(ob2_bits), sb = bits_to_f32(sqrt_bc2_bits), eps = bits_to_f32(eps_bits);
  f32 decay = bits_to_f32(decay_bits), step = bits_to_f32(step_bits), scale = bits_to_f32(scale_bits);
  v128_t vb1 = wasm_f32x4_splat(b1), vob1 = wasm_f32x4_splat(ob1), vb2 = wasm_f32x4_splat(b2);
  v128_t vob2 = wasm_f32x4_splat(ob2), vsb = wasm_f32x4_splat(sb), veps = wasm_f32x4_splat(eps);
  v128_t vdecay = wasm_f32x4_splat(decay), vstep = wasm_f32x4_splat(step), vscale = wasm_f32x4_splat(scale);
  int i = lo;
  for (; i + 4 <= hi; i += 4) {
    v128_t gi = wasm_f32x4_mul(wasm_v128_load(g + i), vscale);
    v128_t m1 = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(gi, vob1));
    v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)),
                               wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vob2));
    v128_t d = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(v1), vsb), veps);
    v128_t pd = wasm_f32x4_mul(wasm_v128_load(p + i), vdecay);
    wasm_v128_store(po + i, wasm_f32x4_sub(pd, wasm_f32x4_mul(wasm_f32x4_div(m1, d), vstep)));
    wasm_v128_store(mo + i, m1);
    wasm_v128_store(vo + i, v1);
  }
  for (; i < hi; i++) {
    f32 gi = g[i] * scale;
    f32 m1 = b1 * m[i] + gi * ob1;
    f32 v1 = b2 * v[i] + (gi * gi) * ob2;
    f32 d = __builtin_sqrtf(v1) / sb + eps;
    po[i] = p[i] * decay - (m1 / d) * step;
    mo[i] = m1;
    vo[i] = v1;
  }
}
