import { EvalError } from '../errors.js';
import { featureRows } from './check-features.js';
import { meanStd, type MeanStd } from './kid.js';

/**
 * Inception Score (Salimans et al. 2016) from class probabilities p(y|x), row-major
 * [N, numClasses]: for each of `splits` consecutive chunks (bounds ⌊i·N/splits⌋, as the original
 * code), exp(mean KL(p(y|x) ‖ p(y))) with p(y) the chunk's mean; returns mean and std over chunks.
 * Pass softmax outputs, not logits; 0·log 0 counts as 0.
 */
export function inceptionScore(
  probs: Float32Array | Float64Array,
  numClasses: number,
  splits = 10,
): MeanStd {
  const n = featureRows('inceptionScore: probs', probs, numClasses);
  if (!Number.isInteger(splits) || splits < 1)
    throw new EvalError(`inceptionScore: splits must be a positive integer, got ${splits}`);
  if (n < splits) throw new EvalError(`inceptionScore: ${n} samples cannot fill ${splits} splits`);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[i * numClasses + c]!;
      if (p < 0)
        throw new EvalError(
          `inceptionScore: row ${i} has a negative probability ${p}; pass softmax outputs, not logits`,
        );
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) {
      throw new EvalError(
        `inceptionScore: row ${i} sums to ${sum}, not 1; pass softmax outputs, not logits`,
      );
    }
  }
  const scores: number[] = [];
  const py = new Float64Array(numClasses);
  for (let s = 0; s < splits; s++) {
    const lo = Math.floor((s * n) / splits);
    const hi = Math.floor(((s + 1) * n) / splits);
    py.fill(0);
    for (let i = lo; i < hi; i++)
      for (let c = 0; c < numClasses; c++) py[c]! += probs[i * numClasses + c]!;
    for (let c = 0; c < numClasses; c++) py[c]! /= hi - lo;
    let kl = 0;
    for (let i = lo; i < hi; i++) {
      for (let c = 0; c < numClasses; c++) {
        const p = probs[i * numClasses + c]!;
        if (p > 0) kl += p * (Math.log(p) - Math.log(py[c]!));
      }
    }
    scores.push(Math.exp(kl / (hi - lo)));
  }
  return meanStd(scores);
}
