import { tf } from '@sgdiff/nn';
import {
  diagonalCrossEntropy,
  hardNegativeLogits,
  LogitScale,
  scaledCosine,
  symmetricInfoNCE,
} from './contrastive.js';

// Reference values from Python's math module (log-sum-exp by hand), not from this code.
describe('symmetricInfoNCE', () => {
  it('matches hand-computed cross-entropies for known logits', async () => {
    const logits = tf.tensor2d([
      [2, 0],
      [1, 3],
    ]);
    const loss = symmetricInfoNCE(logits);
    expect((await loss.data())[0]).toBeCloseTo(0.1539262652944775, 5);
    // Graph → image alone: both rows are log(1 + e^-2).
    const rows = diagonalCrossEntropy(logits);
    expect((await rows.data())[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 5);
    tf.dispose([logits, loss, rows]);
  });

  it('adds hard negatives on the image → graph side, and ignores absent ones', async () => {
    const logits = tf.tensor2d([
      [2, 0],
      [1, 3],
    ]);
    const hard = tf.tensor2d([[2.5], [50]]);
    const mask = tf.tensor2d([[1], [0]]);
    const loss = symmetricInfoNCE(logits, hard, mask);
    expect((await loss.data())[0]).toBeCloseTo(0.35164349474910395, 5);
    // Weight 4: image 0's row is −2 + log(e² + e¹ + 4·e^2.5); image 1's has no hard negative.
    const weighted = symmetricInfoNCE(logits, hard, mask, 4);
    expect((await weighted.data())[0]).toBeCloseTo(0.5943049038067811, 5);
    tf.dispose([logits, hard, mask, loss, weighted]);
  });

  it('scores cosine similarity times the scale', async () => {
    const a = tf.tensor2d([
      [3, 4],
      [1, 0],
    ]);
    const b = tf.tensor2d([
      [0, 2],
      [-1, 0],
    ]);
    const s = scaledCosine(a, b, 10);
    expect(Array.from(await s.data()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([
      8, -6, 0, -10,
    ]);
    // Hard-negative logits pair image i with its own K perturbations only.
    const hard = hardNegativeLogits(
      b,
      tf.tensor2d([
        [3, 4],
        [0, 1],
        [1, 0],
        [-2, 0],
      ]),
      1,
    ); // K = 2
    expect(Array.from(await hard.data()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([
      0.8, 1, -1, 1,
    ]);
    tf.dispose([a, b, s, hard]);
  });
});

describe('LogitScale', () => {
  it('starts at 1/0.07 and is clamped to the maximum', async () => {
    const scale = new LogitScale();
    const s0 = scale.forward();
    expect((await s0.data())[0]).toBeCloseTo(1 / 0.07, 3);
    scale.logScale.assign(tf.scalar(10));
    const s1 = scale.forward();
    expect((await s1.data())[0]).toBeCloseTo(100, 3);
    // The clamp stops the gradient from pushing it further.
    const { grads, value } = tf.variableGrads(() => scale.forward(), [scale.logScale]);
    expect((await grads[scale.logScale.name].data())[0]).toBe(0);
    tf.dispose([s0, s1, value, ...Object.values(grads)]);
    scale.dispose();
  });
});
