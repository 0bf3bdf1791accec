import { mulberry32 } from '../metrics/seeded-random.js';

/**
 * A seeded recipe for feature sets, mirrored exactly by fixtures/make_fixtures.py so large
 * reference inputs never have to be stored. Only IEEE-exact arithmetic in a fixed order is used.
 */
export interface FeatureRecipe {
  n: number;
  dim: number;
  seed: number;
  /** Shared latent factors, which correlate the columns. */
  factors?: number;
  shift?: number;
  /** Column j is scaled by 10^(−range·j/(dim−1)): an ill-conditioned covariance. */
  logScaleRange?: number;
  /** The last k columns are constant. */
  deadColumns?: number;
  /** For the first k odd columns j, column j copies column j − 1. */
  duplicateColumns?: number;
}

export function featuresFromRecipe(r: FeatureRecipe): Float32Array {
  const { n, dim } = r;
  const factors = r.factors ?? 0;
  const shift = r.shift ?? 0;
  const logScale = r.logScaleRange ?? 0;
  const dead = r.deadColumns ?? 0;
  const dup = r.duplicateColumns ?? 0;
  const rnd = mulberry32(r.seed);
  const load: number[][] = [];
  for (let f = 0; f < factors; f++) {
    const row: number[] = [];
    for (let j = 0; j < dim; j++) row.push(rnd() - 0.5);
    load.push(row);
  }
  const scale: number[] = [];
  for (let j = 0; j < dim; j++) scale.push(dim > 1 ? 10 ** ((-logScale * j) / (dim - 1)) : 1);
  const out = new Float32Array(n * dim);
  const row = new Float64Array(dim);
  const z = new Float64Array(factors);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < factors; f++) z[f] = rnd() - 0.5;
    for (let j = 0; j < dim; j++) {
      let v = scale[j]! * (rnd() - 0.5) + shift;
      for (let f = 0; f < factors; f++) v = v + 2 * z[f]! * load[f]![j]!;
      row[j] = v;
    }
    for (let j = dim - dead; j < dim; j++) row[j] = shift;
    for (let j = 1; j < Math.min(2 * dup, dim); j += 2) row[j] = row[j - 1]!;
    out.set(row, i * dim);
  }
  return out;
}
