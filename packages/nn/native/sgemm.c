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

// ---- Winograd F(2×2, 3×3) for 3×3 stride-1 convs ---------------------------------------------
// Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output tile: 16 multiplies per tile and channel pair
// instead of 36, so the GEMM work is 2.25× smaller; the transforms are adds over channel vectors.
// Rounding differs from the direct conv by a few ulps of the transform sums (tests: 1e-4 relative).

// Transformed filter U[ξ] = G·g·Gᵀ (ξ = 4i + j), packed for gemm: Up[ξ][Co/8][Ci][8]. Needs
// Co % 8 == 0. Units: input channels [c0, c1).
EXPORT(winograd_filter)
void winograd_filter(const f32* Wt, f32* Up, int Ci, int Co, int c0, int c1) {
  v128_t half = wasm_f32x4_splat(0.5f);
  for (int ci = c0; ci < c1; ci++) {
    for (int co = 0; co < Co; co += 4) {
#define G_(kh, kw) wasm_v128_load(Wt + ((long)((kh) * 3 + (kw)) * Ci + ci) * Co + co)
#define PUT(xi, v) wasm_v128_store(Up + (((long)(xi) * (Co / 8) + co / 8) * Ci + ci) * 8 + co % 8, (v))
      for (int i = 0; i < 4; i++) {
        // Row i of G·g, one vector per filter column.
        v128_t h0, h1, h2;
        if (i == 0) h0 = G_(0, 0), h1 = G_(0, 1), h2 = G_(0, 2);
        else if (i == 3) h0 = G_(2, 0), h1 = G_(2, 1), h2 = G_(2, 2);
        else {
          v128_t s = i == 1 ? wasm_f32x4_splat(1.0f) : wasm_f32x4_splat(-1.0f);
          h0 = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(G_(0, 0), G_(2, 0)), wasm_f32x4_mul(s, G_(1, 0))));
          h1 = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(G_(0, 1), G_(2, 1)), wasm_f32x4_mul(s, G_(1, 1))));
          h2 = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(G_(0, 2), G_(2, 2)), wasm_f32x4_mul(s, G_(1, 2))));
        }
        v128_t e = wasm_f32x4_add(h0, h2);
        PUT(i * 4 + 0, h0);
        PUT(i * 4 + 1, wasm_f32x4_mul(half, wasm_f32x4_add(e, h1)));
        PUT(i * 4 + 2, wasm_f32x4_mul(half, wasm_f32x4_sub(e, h1)));
        PUT(i * 4 + 3, h2);
      }
#undef G_
#undef PUT
    }
  }
}

// V = Bᵀ·d·B of tile t's 4×4 input window d (zeros outside the image), into v: element (ξ, c)
// at v + ξ·xs + c.
INLINE void input_tile(const f32* x, const f32* zeros, f32* v, long xs, int t, int H, int W, int Ci,
                       int TH, int TW, int padT, int padL) {
  int b = t / (TW * TH), th = (t / TW) % TH, tw = t % TW;
  int ih = 2 * th - padT, iw = 2 * tw - padL;
  const f32* xb = x + (long)b * H * W * Ci;
  // Bᵀ·d: columns j of the window.
  for (int j = 0; j < 4; j++) {
    int ok = (unsigned)(iw + j) < (unsigned)W;
#define ROW(r) (ok && (unsigned)(ih + (r)) < (unsigned)H ? xb + ((long)(ih + (r)) * W + iw + j) * Ci : zeros)
    const f32 *p0 = ROW(0), *p1 = ROW(1), *p2 = ROW(2), *p3 = ROW(3);
#undef ROW
    for (int c = 0; c < Ci; c += 4) {
      v128_t d0 = wasm_v128_load(p0 + c), d1 = wasm_v128_load(p1 + c);
      v128_t d2 = wasm_v128_load(p2 + c), d3 = wasm_v128_load(p3 + c);
      wasm_v128_store(v + (0 * 4 + j) * xs + c, wasm_f32x4_sub(d0, d2));
      wasm_v128_store(v + (1 * 4 + j) * xs + c, wasm_f32x4_add(d1, d2));
      wasm_v128_store(v + (2 * 4 + j) * xs + c, wasm_f32x4_sub(d2, d1));
      wasm_v128_store(v + (3 * 4 + j) * xs + c, wasm_f32x4_sub(d1, d3));
    }
  }
  // (Bᵀ·d)·B, in place, row by row.
  for (int i = 0; i < 4; i++) {
    f32* r = v + i * 4 * xs;
    for (int c = 0; c < Ci; c += 4) {
      v128_t a0 = wasm_v128_load(r + c), a1 = wasm_v128_load(r + xs + c);
      v128_t a2 = wasm_v128_load(r + 2 * xs + c), a3 = wasm_v128_load(r + 3 * xs + c);
      wasm_v128_store(r + c, wasm_f32x4_sub(a0, a2));
      wasm_v128_store(r + xs + c, wasm_f32x4_add(a1, a2));
      wasm_v128_store(r + 2 * xs + c, wasm_f32x4_sub(a2, a1));
      wasm_v128_store(r + 3 * xs + c, wasm_f32x4_sub(a1, a3));
    }
  }
}

// Tiles per block of winograd_conv: its transformed inputs and products stay in L2.
INLINE int winograd_block_tiles(int Ci, int Co) { return max_i(4, min_i(64, 8192 / (Ci + Co))); }

// 3×3 stride-1 NHWC conv of x [B, H, W, Ci] by Winograd F(2×2, 3×3), for the 2×2 output tiles
// [t0, t1) of the B·⌈OH/2⌉·⌈OW/2⌉ in row-major order: y = x ⊛ W + bias. Up from winograd_filter.
// V (16·Ci floats a tile) and Mt (16·Co) are scratch indexed by t − tbase. `zeros` points at ≥ Ci
// zero floats. Needs Ci % 4 == 0, Co % 8 == 0.
EXPORT(winograd_conv)
void winograd_conv(const f32* x, const f32* Up, const f32* bias, f32* y, const f32* zeros, f32* V,
                   f32* Mt, int tbase, int H, int W, int Ci, int OH, int OW, int Co, int padT,
                   int padL, int t0, int t1) {
  int TW = (OW + 1) / 2, TH = (OH + 1) / 2, block = winograd_block_tiles(Ci, Co);
  for (int tb = t0; tb < t1; tb += block) {
    int te = min_i(t1, tb + block);
    for (int t = tb; t < te; t++)
      input_tile(x, zeros, V + (long)(t - tbase) * 16 * Ci, Ci, t, H, W, Ci, TH, TW, padT, padL);
    // M[ξ] = V[ξ]·U[ξ] for the block's tiles: 16 products, rows strided 16·Ci apart.
    int rows = te - tb;
    gemm(V + (long)(tb - tbase) * 16 * Ci, 16 * Ci, 0, Ci, Up, Ci * Co, rows, Ci, Co, 0,
         Mt + (long)(tb - tbase) * 16 * Co, 16 * Co, Co, 0, 0, 16 * rows);
    for (int t = tb; t < te; t++) {
      int b = t / (TW * TH), th = (t / TW) % TH, tw = t % TW;
      int oh = 2 * th, ow = 2 * tw;
      int right = ow + 1 < OW, down = oh + 1 < OH;
      const f32* m = Mt + (long)(t - tbase) * 16 * Co;
      f32* yb = y + (((long)b * OH + oh) * OW + ow) * Co;
      for (int c = 0; c < Co; c += 4) {
#define MV(i, j) wasm_v128_load(m + ((i) * 4 + (j)) * Co + c)
        // Aᵀ·m: rows s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, per column.
        v128_t s00 = wasm_f32x4_add(wasm_f32x4_add(MV(0, 0), MV(1, 0)), MV(2, 0));
        v128_t s01 = wasm_f32x4_add(wasm_f32x4_add(MV(0, 1), MV(1, 1)), MV(2, 1));
        v128_t s02 = wasm_f32x4_add(wasm_f32x4_add(MV(0, 2), MV(1, 2)), MV(2, 2));
        v128_t s03 = wasm_f32x4_add(wasm_f32x4_add(MV(0, 3), MV(1, 3)), MV(2, 3));
        v128_t s10 = wasm_f32x4_sub(wasm_f32x4_sub(MV(1, 0), MV(2, 0)), MV(3, 0));
        v128_t s11 = wasm_f32x4_sub(wasm_f32x4_sub(MV(1, 1), MV(2, 1)), MV(3, 1));
        v128_t s12 = wasm_f32x4_sub(wasm_f32x4_sub(MV(1, 2), MV(2, 2)), MV(3, 2));
        v128_t s13 = wasm_f32x4_sub(wasm_f32x4_sub(MV(1, 3), MV(2, 3)), MV(3, 3));
#undef MV
        v128_t bv = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0);
        wasm_v128_store(yb + c, wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s00, s01), s02), bv));
        if (right)
          wasm_v128_store(yb + Co + c, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s01, s02), s03), bv));
        if (down) {
          wasm_v128_store(yb + (long)OW * Co + c,
                          wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s10, s11), s12), bv));
          if (right)
            wasm_v128_store(yb + (long)OW * Co + Co + c,
                            wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s11, s12), s13), bv));
        }
      }
    }
  }
}


// ---- Winograd F(2×2, 3×3) filter gradient: the adjoint of winograd_conv -------------------------
// dU[ξ] = Σ_t V_t[ξ]ᵀ·dM_t[ξ] with dM = A·dY·Aᵀ (each 2×2 output-gradient tile, zeros past the
// edge), then dW = Gᵀ·dU·G. A pass of Tp tiles: winograd_grad_tiles transforms them, then gemm
// (transA) adds the 16 products into dU; passes run in a fixed order (thread-count independent).

// Transforms tiles [t0, t1) of a pass starting at tile `tbase` (Tp tiles): V[ξ][Tp][Ci] and dM
// packed for gemm, dMp[ξ][Co/8][Tp][8]. Needs Ci % 4 == 0, Co % 8 == 0.
EXPORT(winograd_grad_tiles)
void winograd_grad_tiles(const f32* x, const f32* dy, const f32* zeros, f32* V, f32* dMp, int tbase,
                         int Tp, int H, int W, int Ci, int OH, int OW, int Co, int padT, int padL,
                         int t0, int t1) {
  int TW = (OW + 1) / 2, TH = (OH + 1) / 2, P = Co / 8;
  v128_t z = wasm_f32x4_splat(0);
  for (int t = t0; t < t1; t++) {
    int tp = t - tbase;
    input_tile(x, zeros, V + (long)tp * Ci, (long)Tp * Ci, t, H, W, Ci, TH, TW, padT, padL);
    int b = t / (TW * TH), th = (t / TW) % TH, tw = t % TW;
    int oh = 2 * th, ow = 2 * tw, right = ow + 1 < OW, down = oh + 1 < OH;
    const f32* g = dy + (((long)b * OH + oh) * OW + ow) * Co;
    for (int c = 0; c < Co; c += 4) {
      v128_t y00 = wasm_v128_load(g + c);
      v128_t y01 = right ? wasm_v128_load(g + Co + c) : z;
      v128_t y10 = down ? wasm_v128_load(g + (long)OW * Co + c) : z;
      v128_t y11 = down && right ? wasm_v128_load(g + (long)OW * Co + Co + c) : z;
      // A·dY: rows y0, y0 + y1, y0 − y1, −y1; then ·Aᵀ along each row the same way.
      f32* o = dMp + ((long)(c / 8) * Tp + tp) * 8 + c % 8;
      long xs = (long)P * Tp * 8;
#define ROW4(i, a, bb)                                                              \
  wasm_v128_store(o + (i * 4 + 0) * xs, (a));                                       \
  wasm_v128_store(o + (i * 4 + 1) * xs, wasm_f32x4_add((a), (bb)));                \
  wasm_v128_store(o + (i * 4 + 2) * xs, wasm_f32x4_sub((a), (bb)));                \
  wasm_v128_store(o + (i * 4 + 3) * xs, wasm_f32x4_neg(bb))
      ROW4(0, y00, y01);
      ROW4(1, wasm_f32x4_add(y00, y10), wasm_f32x4_add(y01, y11));
      ROW4(2, wasm_f32x4_sub(y00, y10), wasm_f32x4_sub(y01, y11));
      ROW4(3, wasm_f32x4_neg(y10), wasm_f32x4_neg(y11));
#undef ROW4
    }
  }
}

// dW[kh, kw, ci, :] = (Gᵀ·dU·G)[kh, kw] from dU[ξ][Ci][Co], for input channels [c0, c1).
EXPORT(winograd_filter_grad)
void winograd_filter_grad(const f32* dU, f32* dW, int Ci, int Co, int c0, int c1) {
  v128_t half = wasm_f32x4_splat(0.5f);
  for (int ci = c0; ci < c1; ci++) {
    for (int co = 0; co < Co; co += 4) {
#define U_(i, j) wasm_v128_load(dU + ((long)((i) * 4 + (j)) * Ci + ci) * Co + co)
#define PUT(kh, kw, v) wasm_v128_store(dW + ((long)((kh) * 3 + (kw)) * Ci + ci) * Co + co, (v))
      for (int kh = 0; kh < 3; kh++) {
        // Row kh of Gᵀ·dU: u0 + ½(u1 + u2), ½(u1 − u2), ½(u1 + u2) + u3, per column j.
#define E(j)                                                                                 \
  (kh == 0   ? wasm_f32x4_add(U_(0, j), wasm_f32x4_mul(half, wasm_f32x4_add(U_(1, j), U_(2, j)))) \
   : kh == 1 ? wasm_f32x4_mul(half, wasm_f32x4_sub(U_(1, j), U_(2, j)))                          \
             : wasm_f32x4_add(wasm_f32x4_mul(half, wasm_f32x4_add(U_(1, j), U_(2, j))), U_(3, j)))
        v128_t e0 = E(0), e1 = E(1), e2 = E(2), e3 = E(3);
#undef E
        v128_t h = wasm_f32x4_mul(half, wasm_f32x4_add(e1, e2));
        PUT(kh, 0, wasm_f32x4_add(e0, h));
        PUT(kh, 1, wasm_f32x4_mul(half, wasm_f32x4_sub(e1, e2)));
        PUT(kh, 2, wasm_f32x4_add(h, e3));
      }
#undef U_
#undef PUT
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
