import { jsMatmul, type MatmulProvider } from './matmul-provider.js';

/** Column means of row-major X [rows, cols], accumulated in float64. */
export function columnMeans(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) mean[c]! += x[o + c]!;
  }
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  return mean;
}

export interface MeanAndCovariance {
  mean: Float64Array; // [dim]
  covariance: Float64Array; // [dim, dim], row-major
}

/**
 * Mean and unbiased (N − 1) covariance, as numpy's `np.cov(x, rowvar=False)`. Centring before the
 * product (two passes) avoids the cancellation of E[xxᵀ] − μμᵀ on features with large means.
 */
export async function meanAndCovariance(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
  matmul: MatmulProvider = jsMatmul,
): Promise<MeanAndCovariance> {
  const mean = columnMeans(x, rows, cols);
  const covariance = await matmul.centeredGram(x, rows, cols, mean);
  const scale = 1 / (rows - 1);
  for (let i = 0; i < covariance.length; i++) covariance[i]! *= scale;
  return { mean, covariance };
}
