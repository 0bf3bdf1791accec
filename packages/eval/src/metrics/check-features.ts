import { EvalError } from '../errors.js';

/**
 * Checks a row-major feature block `[N, dim]` and returns N.
 * Every metric runs this first so bad input fails before any expensive work.
 */
export function featureRows(name: string, x: Float32Array | Float64Array, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new EvalError(`${name}: feature dim must be a positive integer, got ${dim}`);
  }
  if (x.length % dim !== 0) {
    throw new EvalError(
      `${name}: length ${x.length} is not a multiple of dim ${dim}; features must be row-major [N, ${dim}]`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      const row = Math.floor(i / dim);
      throw new EvalError(
        `${name}: non-finite value ${x[i]} at row ${row}, column ${i - row * dim}`,
      );
    }
  }
  return x.length / dim;
}
