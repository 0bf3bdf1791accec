import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalError } from '../errors.js';
import type { MetricFixtures } from '../testing/fixtures.js';
import { inceptionScore } from './inception-score.js';

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'metrics.json'), 'utf8'),
) as MetricFixtures;

describe('inceptionScore', () => {
  it.each(fixtures.inceptionScore.map((c) => [c.name, c] as const))(
    'matches the numpy reference: %s',
    (_name, c) => {
      const r = inceptionScore(Float32Array.from(c.probs), c.numClasses, c.splits);
      expect(r.mean).toBeCloseTo(c.mean, 10);
      expect(r.std).toBeCloseTo(c.std, 10);
    },
  );

  it('hand-computed: uniform predictions score 1, confident balanced ones score numClasses', () => {
    const c = 4;
    expect(inceptionScore(new Float32Array(40).fill(0.25), c, 2).mean).toBeCloseTo(1, 12);
    const oneHot = new Float32Array(40 * c);
    for (let i = 0; i < 40; i++) oneHot[i * c + (i % c)] = 1;
    const r = inceptionScore(oneHot, c, 5);
    expect(r.mean).toBeCloseTo(c, 12);
    expect(r.std).toBeCloseTo(0, 12);
  });

  it('rejects logits, too few samples and bad shapes', () => {
    expect(() => inceptionScore(Float32Array.from([2, -1, 0.5, 0.5]), 2, 1)).toThrow(
      /negative probability/,
    );
    expect(() => inceptionScore(Float32Array.from([2, 1, 0.5, 0.5]), 2, 1)).toThrow(/sums to 3/);
    expect(() => inceptionScore(new Float32Array(10).fill(0.5), 2, 10)).toThrow(EvalError);
    expect(() => inceptionScore(new Float32Array(9), 2, 1)).toThrow(/not a multiple/);
  });
});
