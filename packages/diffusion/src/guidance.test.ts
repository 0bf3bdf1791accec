import { tf } from '@sgdiff/nn';
import { concatTensorCond, guidedEps, withGuidance } from './guidance.js';
import type { EpsModel } from './model.js';
import { useCpuBackend } from './testing/cpu.js';

beforeAll(useCpuBackend);

// A toy model whose output depends on the condition: ε = x·cond + t. x, cond: [B, 2].
function countingModel(): { model: EpsModel<tf.Tensor>; calls: number[] } {
  const calls: number[] = [];
  const model: EpsModel<tf.Tensor> = (x, t, cond) => {
    calls.push(x.shape[0]!);
    return tf.add(tf.mul(x, cond), tf.reshape(t, [-1, 1]));
  };
  return { model, calls };
}

// Two rows: x = [[1, 2], [3, 4]], t = [10, 20], cond = [[1, 1], [2, 2]], uncond = 0.
function twoRows() {
  return {
    x: tf.tensor2d([1, 2, 3, 4], [2, 2]),
    t: tf.tensor1d([10, 20]),
    cond: tf.tensor2d([1, 1, 2, 2], [2, 2]),
    uncond: tf.zeros([2, 2]),
  };
}

describe('classifier-free guidance', () => {
  it('guidedEps = ε_u + g·(ε_c − ε_u), by hand', () => {
    const out = guidedEps(tf.tensor1d([1, 2, -3]), tf.tensor1d([0.5, 2, 1]), 3);
    // 0.5 + 3·0.5 = 2; 2 + 0 = 2; 1 + 3·(−4) = −11
    expect(Array.from(out.dataSync())).toEqual([2, 2, -11]);
  });

  it('batches [cond; uncond] into one call and agrees with two calls', () => {
    const { x, t, cond, uncond } = twoRows();
    const batched = countingModel();
    const separate = countingModel();
    const a = withGuidance(batched.model, { scale: 2, uncond, concat: concatTensorCond })(
      x,
      t,
      cond,
    );
    const b = withGuidance(separate.model, { scale: 2, uncond })(x, t, cond);
    expect(batched.calls).toEqual([4]);
    expect(separate.calls).toEqual([2, 2]);
    // ε_c = x·cond + t, ε_u = t → ε = t + 2·x·cond
    expect(Array.from(a.dataSync())).toEqual([12, 14, 32, 36]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, t, cond, uncond, a, b]);
  });

  it('g = 1 is the conditional model alone, g = 0 the unconditional, and nothing leaks', () => {
    const x = tf.ones([1, 2]);
    const t = tf.zeros([1]);
    const cond = tf.fill([1, 2], 3);
    const uncond = tf.zeros([1, 2]);
    const m = countingModel();
    const before = tf.memory().numTensors;
    const one = withGuidance(m.model, { scale: 1, uncond, concat: concatTensorCond })(x, t, cond);
    const zero = withGuidance(m.model, { scale: 0, uncond, concat: concatTensorCond })(x, t, cond);
    expect(m.calls).toEqual([1, 1]);
    expect(Array.from(one.dataSync())).toEqual([3, 3]);
    expect(Array.from(zero.dataSync())).toEqual([0, 0]);
    tf.dispose([one, zero]);
    const guided = withGuidance(m.model, { scale: 7.5, uncond, concat: concatTensorCond })(
      x,
      t,
      cond,
    );
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([guided, x, t, cond, uncond]);
  });

  it('adds r·(ε_c − ε_n) for a contrasting condition, in one call of 3B rows or three of B', () => {
    const { x, t, cond, uncond } = twoRows();
    const neg = tf.tensor2d([
      [1, -1],
      [0, 2],
    ]);
    const batched = countingModel();
    const separate = countingModel();
    const options = { scale: 2, uncond, contrast: { cond: neg, scale: 3 } };
    const a = withGuidance(batched.model, { ...options, concat: concatTensorCond })(x, t, cond);
    const b = withGuidance(separate.model, options)(x, t, cond);
    expect(batched.calls).toEqual([6]);
    expect(separate.calls).toEqual([2, 2, 2]);
    // ε = t + 2·x·c + 3·x·(c − n): row 1: 10 + [2, 4] + 3·[0, 4] = [12, 26];
    // row 2: 20 + [12, 16] + 3·[6, 0] = [50, 36].
    expect(Array.from(a.dataSync())).toEqual([12, 26, 50, 36]);
    expect(Array.from(b.dataSync())).toEqual([12, 26, 50, 36]);
    // r = 0 skips the contrasting call; g = 1 with r > 0 still needs all three.
    const plain = countingModel();
    withGuidance(plain.model, { scale: 1, uncond, contrast: { cond: neg, scale: 0 } })(x, t, cond);
    withGuidance(plain.model, { scale: 1, uncond, contrast: { cond: neg, scale: 1 } })(x, t, cond);
    expect(plain.calls).toEqual([2, 2, 2, 2]);
    expect(() =>
      withGuidance(plain.model, { scale: 1, uncond, contrast: { cond: neg, scale: -1 } }),
    ).toThrow(/≥ 0, got -1/);
    tf.dispose([x, t, cond, uncond, neg, a, b]);
  });

  it('uses the late scale on rows whose timestep is below the switch', () => {
    const { x, t, cond, uncond } = twoRows();
    const m = countingModel();
    const late = { below: 15, scale: 5 };
    const out = withGuidance(m.model, { scale: 2, uncond, late, concat: concatTensorCond })(
      x,
      t,
      cond,
    );
    // ε = t + g·x·c with g = 5 on row 1 (t = 10 < 15) and 2 on row 2 (t = 20).
    expect(Array.from(out.dataSync())).toEqual([15, 20, 32, 36]);
    // g = 1 early still needs both calls, since late steps guide.
    withGuidance(m.model, { scale: 1, uncond, late })(x, t, cond);
    expect(m.calls).toEqual([4, 2, 2]);
    expect(() =>
      withGuidance(m.model, { scale: 1, uncond, late: { below: 10, scale: NaN } }),
    ).toThrow(/late guidance must be finite/);
    tf.dispose([x, t, cond, uncond, out]);
  });

  it('rejects a non-finite scale', () => {
    expect(() =>
      withGuidance(countingModel().model, { scale: NaN, uncond: tf.zeros([1]) }),
    ).toThrow(/finite/);
  });
});
