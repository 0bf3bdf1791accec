import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalError } from '../errors.js';
import { linearProbe } from './linear-probe.js';

const fixture = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'probe.json'), 'utf8'),
) as {
  numClasses: number;
  lambda: number;
  train: { features: number[][]; labels: number[] };
  test: { features: number[][]; labels: number[] };
  scores: number[][];
  accuracy: number;
};

describe('linearProbe', () => {
  it('matches the numpy ridge probe (standardised features, unpenalised bias)', () => {
    const r = linearProbe(fixture.train, fixture.test, {
      numClasses: fixture.numClasses,
      lambda: fixture.lambda,
    });
    r.scores.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(fixture.scores[i]![j]!, 9)),
    );
    expect(r.accuracy).toBeCloseTo(fixture.accuracy, 12);
  });

  it('separates linearly separable classes and is at chance on label-free features', () => {
    // Two noise columns: the features say nothing of the label.
    const rows = (n: number) => {
      const features: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = i % 4;
        const noise = ((i * 7919) % 101) / 101;
        features.push([noise, noise * 3]);
        labels.push(c);
      }
      return { features, labels };
    };
    // One-hot columns: each class has its own direction, so the probe is exact.
    const oneHot = (n: number) => {
      const features: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = i % 5;
        features.push([0, 1, 2, 3, 4].map((j) => (j === c ? 1 : 0) + 0.01 * ((i * 31 + j) % 7)));
        labels.push(c);
      }
      return { features, labels };
    };
    expect(linearProbe(oneHot(100), oneHot(50), { numClasses: 5 }).accuracy).toBe(1);
    const blind = linearProbe(rows(200), rows(80), { numClasses: 4 });
    expect(blind.accuracy).toBeLessThanOrEqual(0.4);
    expect(blind.majority).toBeCloseTo(0.25, 10);
  });

  it('names bad input', () => {
    const ok = { features: [[1], [2]], labels: [0, 1] };
    expect(() => linearProbe(ok, { features: [], labels: [] }, { numClasses: 2 })).toThrow(
      /test set is empty/,
    );
    expect(() => linearProbe(ok, { features: [[1]], labels: [2] }, { numClasses: 2 })).toThrow(
      EvalError,
    );
    expect(() => linearProbe(ok, { features: [[1, 2]], labels: [0] }, { numClasses: 2 })).toThrow(
      /width 2, expected 1/,
    );
    expect(() => linearProbe({ features: [[1]], labels: [0, 1] }, ok, { numClasses: 2 })).toThrow(
      /1 feature rows but 2 labels/,
    );
  });
});
