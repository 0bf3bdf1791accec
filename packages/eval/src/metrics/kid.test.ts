import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalError } from '../errors.js';
import { featuresFromRecipe } from '../testing/synthetic-features.js';
import type { MetricFixtures } from '../testing/fixtures.js';
import { computeKid, polynomialMmd2 } from './kid.js';
import { sampleWithoutReplacement, mulberry32 } from './seeded-random.js';

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'metrics.json'), 'utf8'),
) as MetricFixtures;

describe('polynomialMmd2 against numpy (torch-fidelity formula)', () => {
  it.each(fixtures.kidMmd2.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const v = polynomialMmd2(featuresFromRecipe(c.a), featuresFromRecipe(c.b), c.a.dim);
    expect(Math.abs(v - c.mmd2)).toBeLessThan(1e-9 + 1e-9 * Math.abs(c.mmd2));
  });

  it('hand-computed: 1-D sets {0, 1} and {1, 2}', () => {
    // k(x,y) = (xy + 1)³. XX off-diagonal: 2·k(0,1) = 2; YY: 2·k(1,2) = 54; XY: k(0,1)+k(0,2)+k(1,1)+k(1,2) = 1+1+8+27.
    const expected = 2 / 2 + 54 / 2 - (2 * 37) / 4;
    expect(polynomialMmd2(Float32Array.from([0, 1]), Float32Array.from([1, 2]), 1)).toBeCloseTo(
      expected,
      12,
    );
  });
});

describe('computeKid', () => {
  const a = featuresFromRecipe({ n: 60, dim: 8, seed: 1, factors: 1 });
  const b = featuresFromRecipe({ n: 50, dim: 8, seed: 2, shift: 0.2 });

  it('with subsets of the whole set, every subset gives the full-set MMD² (std 0)', () => {
    const aa = featuresFromRecipe({ n: 40, dim: 8, seed: 1 });
    const bb = featuresFromRecipe({ n: 40, dim: 8, seed: 2, shift: 0.1 });
    const full = polynomialMmd2(aa, bb, 8);
    const kid = computeKid(aa, bb, 8, { subsets: 3, subsetSize: 40, seed: 5 });
    expect(kid.mean).toBeCloseTo(full, 12);
    expect(kid.std).toBeLessThan(1e-12);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const k1 = computeKid(a, b, 8, { subsets: 5, subsetSize: 20, seed: 7 });
    expect(computeKid(a, b, 8, { subsets: 5, subsetSize: 20, seed: 7 })).toEqual(k1);
    expect(computeKid(a, b, 8, { subsets: 5, subsetSize: 20, seed: 8 }).mean).not.toBe(k1.mean);
    expect(k1.std).toBeGreaterThan(0);
  });

  it('separates a shifted distribution from a same-law one', () => {
    const same = featuresFromRecipe({ n: 60, dim: 8, seed: 3, factors: 1 });
    const near = computeKid(a, same, 8, { subsets: 10, subsetSize: 30 }).mean;
    const far = computeKid(a, b, 8, { subsets: 10, subsetSize: 30 }).mean;
    expect(far).toBeGreaterThan(10 * Math.abs(near));
  });

  it('rejects a subset larger than a set, and bad shapes', () => {
    expect(() => computeKid(a, b, 8, { subsetSize: 51 })).toThrow(EvalError);
    expect(() => computeKid(a, b, 8, { subsetSize: 51 })).toThrow(/exceeds the number of samples/);
    expect(() => computeKid(a, new Float32Array(12), 8)).toThrow(/not a multiple/);
  });
});

describe('sampleWithoutReplacement', () => {
  it('draws distinct in-range indices', () => {
    const s = sampleWithoutReplacement(100, 60, mulberry32(1));
    expect(new Set(s).size).toBe(60);
    expect(Math.max(...s)).toBeLessThan(100);
  });
});
