import { gemmTN, rowMajor, type MatrixView } from './gemm.js';

/**
 * Where the heavy products run. The default is float64 JavaScript; a tfjs (WASM/WebGPU) or
 * worker-thread provider can replace it without touching the metric code.
 */
export interface MatmulProvider {
  readonly name: string;
  /**
   * (X − mean)ᵀ·(X − mean) for row-major X [rows, cols], as a row-major [cols, cols] Float64Array.
   * This is the N·dim² step of a covariance, the largest cost of FID when N ≫ dim; it may be async
   * so that GPU providers can read results back without blocking.
   */
  centeredGram(
    x: Float32Array | Float64Array,
    rows: number,
    cols: number,
    mean: Float64Array,
  ): Float64Array | Promise<Float64Array>;
  /** C = Aᵀ·B for A viewed as [K, m], B as [K, n] (row-major [m, n] result). Synchronous. */
  matmulTN(a: MatrixView, b: MatrixView, hints?: MatmulHints): Float64Array;
}

/** Structure a provider may exploit; ignoring it is always correct. */
export interface MatmulHints {
  symmetric?: boolean;
  aZeroAboveDiagonal?: boolean;
  bZeroAboveDiagonal?: boolean;
}

/** The default provider: cache-blocked float64 loops on the calling thread. */
export const jsMatmul: MatmulProvider = {
  name: 'js-float64',
  centeredGram(x, rows, cols, mean) {
    const v = rowMajor(x, rows, cols);
    return gemmTN(v, v, { centerA: mean, centerB: mean, symmetric: true });
  },
  matmulTN(a, b, hints = {}) {
    return gemmTN(a, b, hints);
  },
};
