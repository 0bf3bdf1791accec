import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { EvalError } from '../errors.js';

/** Feature rows and their class indices. */
export interface LabelledFeatures {
  features: readonly (readonly number[])[];
  labels: readonly number[];
}

export interface LinearProbeOptions {
  numClasses: number;
  /** Ridge strength, relative to the number of training rows (features are standardised first). */
  lambda?: number;
}

export interface LinearProbeResult {
  /** Held-out accuracy of argmax over the ridge regression's class scores. */
  accuracy: number;
  /** Accuracy of always answering the training set's most frequent class. */
  majority: number;
  predictions: number[];
  /** Per test row, the regression's score for each class. */
  scores: number[][];
}

/**
 * A linear probe: ridge regression from standardised features (plus a bias) onto one-hot
 * classes, fitted on `train`, scored on `test`. How much class information a representation
 * holds linearly, which is what a linear projection downstream (e.g. cross-attention keys) can use.
 */
export function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  { numClasses, lambda = 1e-3 }: LinearProbeOptions,
): LinearProbeResult {
  const check = (set: LabelledFeatures, name: string) => {
    if (set.features.length === 0) throw new EvalError(`linear probe: the ${name} set is empty`);
    if (set.features.length !== set.labels.length)
      throw new EvalError(
        `linear probe: ${name} has ${set.features.length} feature rows but ${set.labels.length} labels`,
      );
    for (const l of set.labels)
      if (!Number.isInteger(l) || l < 0 || l >= numClasses)
        throw new EvalError(
          `linear probe: ${name} label ${l} is not a class in [0, ${numClasses})`,
        );
  };
  check(train, 'train');
  check(test, 'test');
  const dim = train.features[0]!.length;
  for (const [set, name] of [
    [train, 'train'],
    [test, 'test'],
  ] as const)
    for (const row of set.features)
      if (row.length !== dim)
        throw new EvalError(`linear probe: ${name} row of width ${row.length}, expected ${dim}`);

  const n = train.features.length;
  const x = new Matrix(train.features as number[][]);
  const mean = x.mean('column');
  const std = x.standardDeviation('column', { mean, unbiased: false }).map((s) => s || 1);
  const design = (rows: readonly (readonly number[])[]) =>
    new Matrix(rows.map((r) => [...r.map((v, j) => (v - mean[j]!) / std[j]!), 1]));
  const a = design(train.features);
  const y = Matrix.zeros(n, numClasses);
  train.labels.forEach((l, i) => y.set(i, l, 1));
  const gram = a.transpose().mmul(a);
  for (let j = 0; j < dim; j++) gram.set(j, j, gram.get(j, j) + lambda * n); // bias unpenalised
  const weights = new CholeskyDecomposition(gram).solve(a.transpose().mmul(y));
  const scores = design(test.features).mmul(weights).to2DArray();
  const predictions = scores.map((row) => row.indexOf(Math.max(...row)));
  const correct = predictions.filter((p, i) => p === test.labels[i]).length;

  const counts = new Array<number>(numClasses).fill(0);
  for (const l of train.labels) counts[l]!++;
  const top = counts.indexOf(Math.max(...counts));
  return {
    accuracy: correct / test.labels.length,
    majority: test.labels.filter((l) => l === top).length / test.labels.length,
    predictions,
    scores,
  };
}
