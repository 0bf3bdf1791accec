import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvalError, type EvalWarning } from '../errors.js';
import { featuresFromRecipe } from '../testing/synthetic-features.js';
import type { MetricFixtures } from '../testing/fixtures.js';
import { computeFid, frechetDistance, type FidReport } from './fid.js';

const fixtures = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'metrics.json'), 'utf8'),
) as MetricFixtures;

describe('frechetDistance, hand-computed', () => {
  it('1-D: (μ1−μ2)² + σ1² + σ2² − 2σ1σ2', () => {
    const [m1, s1, m2, s2] = [0.5, 1.5, -1.25, 0.4];
    expect(frechetDistance([m1], [s1 * s1], [m2], [s2 * s2])).toBeCloseTo(
      (m1 - m2) ** 2 + (s1 - s2) ** 2,
      13,
    );
  });

  it('diagonal covariances: Σᵢ (μ1ᵢ−μ2ᵢ)² + (σ1ᵢ − σ2ᵢ)²', () => {
    const v1 = [4, 1, 0.25];
    const v2 = [1, 9, 0.25];
    const sig = (v: number[]) => [v[0]!, 0, 0, 0, v[1]!, 0, 0, 0, v[2]!];
    const expected = 1 + 0 + 4 + (2 - 1) ** 2 + (1 - 3) ** 2 + 0;
    expect(frechetDistance([1, 2, 3], sig(v1), [0, 2, 1], sig(v2))).toBeCloseTo(expected, 12);
  });

  it('is zero between identical Gaussians and symmetric in its arguments', () => {
    const s = [2, 0.5, 0.5, 1];
    expect(frechetDistance([1, 1], s, [1, 1], s)).toBeCloseTo(0, 12);
    const t = [1, -0.3, -0.3, 0.7];
    expect(frechetDistance([0, 1], s, [1, 0], t)).toBeCloseTo(
      frechetDistance([1, 0], t, [0, 1], s),
      12,
    );
  });
});

describe('frechetDistance against scipy (explicit covariances)', () => {
  it.each(fixtures.fidExplicit.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const report: FidReport = {};
    const warnings: EvalWarning[] = [];
    const fid = frechetDistance(c.mu1, c.sigma1, c.mu2, c.sigma2, {
      report,
      onWarning: (w) => warnings.push(w),
    });
    // pytorch-fid never offsets these; when Cholesky cannot factor either covariance we do, and
    // must then match scipy with the same offset.
    const ref = report.offset ? c.withOffset : c.pytorchFid;
    expect(Math.abs(fid - ref)).toBeLessThan(1e-7 * Math.max(1, Math.abs(ref)));
    expect(warnings.length > 0).toBe((report.offset ?? 0) > 0);
  });
});

// The 2048-wide case takes minutes on a shared 2-core machine: run it with SGDIFF_SLOW_TESTS=1.
// The default run keeps dims up to 512.
const slow = process.env.SGDIFF_SLOW_TESTS === '1';
const fidCases = fixtures.fid.filter((c) => slow || c.a.dim <= 512);

describe('computeFid against pytorch-fid/scipy', () => {
  it('has a 512-wide case in the default run and the 2048-wide one behind SGDIFF_SLOW_TESTS', () => {
    expect(fidCases.some((c) => c.a.dim === 512)).toBe(true);
    expect(fidCases.some((c) => c.a.dim === 2048)).toBe(slow);
  });

  it.each(fidCases.map((c) => [c.name, c.note, c] as const))(
    '%s (%s)',
    async (_name, _note, c) => {
      const a = featuresFromRecipe(c.a);
      const b = featuresFromRecipe(c.b);
      const report: FidReport = {};
      const warnings: EvalWarning[] = [];
      const fid = await computeFid(a, b, c.a.dim, { report, onWarning: (w) => warnings.push(w) });
      const ref = report.regularised ? c.withOffset : c.pytorchFid;
      // scipy's sqrtm and numpy's eigh agree to ~1e-9 relative on these; float64 round-off in a
      // different summation order accounts for the rest.
      expect(Math.abs(fid - ref)).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref)));
      if (c.fewSamples) {
        expect(warnings.map((w) => w.code)).toContain('few-samples');
        expect(warnings.find((w) => w.code === 'few-samples')!.message).toMatch(/N ≤ dim/);
      }
      if (c.name.includes('singular')) expect(report.regularised).toBe(true);
      if (!c.fewSamples && !c.name.includes('singular')) expect(warnings).toEqual([]);
    },
    60_000,
  );

  it('is ~0 for a set against itself', async () => {
    const a = featuresFromRecipe({ n: 300, dim: 16, seed: 99, factors: 2 });
    expect(Math.abs(await computeFid(a, a, 16, { onWarning: () => undefined }))).toBeLessThan(1e-9);
  });
});

describe('computeFid input errors', () => {
  const a = new Float32Array(40);
  it('rejects mismatched or non-multiple lengths with an EvalError', async () => {
    await expect(computeFid(a, new Float32Array(42), 4)).rejects.toThrow(EvalError);
    await expect(computeFid(a, new Float32Array(42), 4)).rejects.toThrow(/not a multiple of dim 4/);
    expect(() =>
      frechetDistance([0, 0], [1, 0, 0, 1], [0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
    ).toThrow(/mean dims differ \(2 vs 3\)/);
    expect(() => frechetDistance([0, 0], [1, 0, 0], [0, 0], [1, 0, 0, 1])).toThrow(
      /sigma1 has 3 entries/,
    );
  });

  it('rejects NaN and infinite values', async () => {
    const bad = Float32Array.from({ length: 40 }, (_, i) => (i === 13 ? NaN : i));
    await expect(computeFid(bad, a, 4)).rejects.toThrow(/non-finite value NaN at row 3, column 1/);
    expect(() => frechetDistance([0, Infinity], [1, 0, 0, 1], [0, 0], [1, 0, 0, 1])).toThrow(
      EvalError,
    );
  });

  it('rejects a single sample and asymmetric covariances', async () => {
    await expect(computeFid(new Float32Array(4), a, 4)).rejects.toThrow(/at least 2/);
    expect(() => frechetDistance([0, 0], [1, 0.5, 0, 1], [0, 0], [1, 0, 0, 1])).toThrow(
      /not symmetric/,
    );
  });

  it('has the name EvalError', async () => {
    const err = await computeFid(a, new Float32Array(42), 4).catch((e: unknown) => e);
    expect((err as Error).name).toBe('EvalError');
  });
});
