// One suite for every sampler (diffusers style), on data whose exact denoiser is known.
// Reference: scripts/make_gaussian_sampler_fixtures.py propagates each run's affine map
// out = A·x_in + B + Σ_k c_k·z_k in float64 numpy, from the papers' update rules.
import { tf } from '@sgdiff/nn';
import { Rng } from '../noise.js';
import { makeNoiseSchedule } from '../schedules.js';
import { useCpuBackend } from '../testing/cpu.js';
import { readFixture } from '../testing/fixtures.js';
import { channelMoments, gaussianDenoiser } from '../testing/gaussian-data.js';
import {
  getSampler,
  sampleDdim,
  sampleDdpm,
  SAMPLERS,
  samplingTimesteps,
  type AnySamplerOptions,
  type SamplerName,
  type TimestepSpacing,
} from './index.js';

interface ConfigFixture {
  name: string;
  sampler: SamplerName;
  steps: number;
  spacing: TimestepSpacing;
  eta?: number;
  variance?: 'fixedSmall' | 'fixedLarge';
  timesteps?: number[];
  noiseDraws: number;
  noise: number[][];
  A: number[];
  B: number[];
  mean: number[];
  std: number[];
  inputMean: number[];
  inputStd: number[];
  odeA: number[];
}
const fixture = readFixture<{ mu: number[]; s: number[]; configs: ConfigFixture[] }>(
  'gaussian-samplers.json',
);
const { mu, s } = fixture;
const schedule = makeNoiseSchedule();
const model = gaussianDenoiser(schedule, mu, s);
const SHAPE = [8, 16, 16, 4]; // 2048 samples per channel
const N = SHAPE.slice(0, 3).reduce((a, b) => a * b);
const C = SHAPE[3]!;

/**
 * How far the ideal discretised sampler's std may sit from the data's s (the numpy reference
 * computes it exactly; the mean has no bias). Under-dispersion comes from the last jump to x̂0
 * and from first-order steps; DPM-Solver++ on logSnr spacing is the tightest.
 */
const STD_BIAS: Record<string, number> = {
  'ddpm-250': 0.05,
  'ddpm-50-fixedLarge': 0.03,
  'ddim-200-eta1-leading': 0.05,
  'ddim-200-eta0': 0.03,
  'ddim-50-eta0': 0.1,
  'ddim-50-eta0.5-linspace': 0.1,
  'dpmpp-2m-25': 0.007,
  'dpmpp-2m-15': 0.017,
  'dpmpp-2m-20-leading': 0.11,
};

beforeAll(useCpuBackend);

/** x_in from the exact marginal q(x_{t0}) per channel. x: [8, 16, 16, 4]. */
function startNoise(cfg: ConfigFixture, seed: number): { values: Float32Array; tensor: tf.Tensor } {
  const z = new Rng(seed).normals(N * C);
  const values = z.map((v, i) => cfg.inputMean[i % C]! + cfg.inputStd[i % C]! * v);
  return { values, tensor: tf.tensor(values, SHAPE) };
}

function optionsFor(cfg: ConfigFixture, seed: number): AnySamplerOptions {
  return {
    schedule,
    steps: cfg.steps,
    spacing: cfg.spacing,
    cond: null,
    rng: new Rng(seed),
    eta: cfg.eta,
    variance: cfg.variance,
  };
}

describe.each(fixture.configs.map((c) => [c.name, c] as const))(
  '%s on Gaussian data',
  (_name, cfg) => {
    let input: Float32Array;
    let out: Float32Array;

    beforeAll(async () => {
      const start = startNoise(cfg, 1);
      input = start.values;
      const x = await getSampler(cfg.sampler)(model, start.tensor, optionsFor(cfg, 2));
      out = (await x.data()) as Float32Array;
      tf.dispose([x, start.tensor]);
    });

    it('visits the fixture timesteps', () => {
      if (cfg.timesteps)
        expect(samplingTimesteps(schedule, cfg.steps, cfg.spacing)).toEqual(cfg.timesteps);
    });

    it('matches the reference affine map element-wise, noise draws included', () => {
      const expected = Float64Array.from(input, (v, i) => cfg.A[i % C]! * v + cfg.B[i % C]!);
      const rng = new Rng(2);
      for (let k = 0; k < cfg.noiseDraws; k++) {
        const z = rng.normals(N * C);
        const coef = cfg.noise[k]!;
        for (let i = 0; i < z.length; i++) expected[i]! += coef[i % C]! * z[i]!;
      }
      let worst = 0;
      for (let i = 0; i < out.length; i++)
        worst = Math.max(worst, Math.abs(out[i]! - expected[i]!));
      expect(worst).toBeLessThan(2e-4); // float32 over up to 1000 steps
    });

    it('reproduces the data mean and std within discretisation + 4 standard errors', () => {
      const m = channelMoments(out, C);
      for (let c = 0; c < C; c++) {
        // Against the ideal sampler (pure Monte-Carlo error) …
        expect(Math.abs(m.mean[c]! - cfg.mean[c]!)).toBeLessThan((4 * cfg.std[c]!) / Math.sqrt(N));
        expect(Math.abs(m.std[c]! / cfg.std[c]! - 1)).toBeLessThan(4 / Math.sqrt(2 * N));
        // … and against the data itself.
        expect(Math.abs(cfg.mean[c]! - mu[c]!)).toBeLessThan(1e-9);
        expect(Math.abs(cfg.std[c]! / s[c]! - 1)).toBeLessThan(STD_BIAS[cfg.name]!);
        expect(Math.abs(m.mean[c]! - mu[c]!)).toBeLessThan((4 * s[c]!) / Math.sqrt(N));
        expect(Math.abs(m.std[c]! / s[c]! - 1)).toBeLessThan(
          STD_BIAS[cfg.name]! + 4 / Math.sqrt(2 * N),
        );
      }
    });

    if (cfg.noiseDraws === 0) {
      it('follows the exact probability-flow ODE map x_in → x_0', () => {
        for (let c = 0; c < C; c++)
          expect(Math.abs(cfg.A[c]! / cfg.odeA[c]! - 1)).toBeLessThan(STD_BIAS[cfg.name]!);
      });
    }
  },
);

describe('sampler behaviour', () => {
  const small = [2, 4, 4, 4];
  const smallInput = () => tf.tensor(new Rng(5).normals(2 * 4 * 4 * 4), small);

  it('DDIM with η = 0 is deterministic for a seed and draws no noise', async () => {
    const x = smallInput();
    const rng = new Rng(9);
    const a = await sampleDdim(model, x, { schedule, steps: 20, cond: null, rng });
    const b = await sampleDdim(model, x, { schedule, steps: 20, cond: null });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(rng.getState()).toEqual(new Rng(9).getState());
    tf.dispose([x, a, b]);
  });

  it('DDPM (posterior form) equals DDIM with η = 1 for the same noise', async () => {
    const x = smallInput();
    const a = await sampleDdpm(model, x, { schedule, steps: 30, cond: null, rng: new Rng(4) });
    const b = await sampleDdim(model, x, {
      schedule,
      steps: 30,
      cond: null,
      rng: new Rng(4),
      eta: 1,
    });
    const [da, db] = [await a.data(), await b.data()];
    for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
  });

  it.each(Object.keys(SAMPLERS) as SamplerName[])(
    '%s: callback per step, no tensor leak, cancellation',
    async (name) => {
      const sampler = getSampler(name);
      const x = smallInput();
      const base = tf.memory().numTensors;
      const seen: { i: number; t: number; tensors: number }[] = [];
      const y = await sampler(model, x, {
        schedule,
        steps: 12,
        cond: null,
        rng: new Rng(1),
        eta: 1,
        callback: async ({ i, t, steps, x: xi, denoised }) => {
          expect(steps).toBe(12);
          expect(xi.shape).toEqual(small);
          expect(denoised.shape).toEqual(small);
          await denoised.data();
          seen.push({ i, t, tensors: tf.memory().numTensors });
        },
      });
      expect(seen.map((v) => v.i)).toEqual([...Array(12).keys()]);
      for (let k = 1; k < seen.length; k++) expect(seen[k]!.t).toBeLessThan(seen[k - 1]!.t);
      // Flat from the third step on (DPM-Solver++ holds one previous x̂0 from step 2).
      for (const v of seen.slice(2)) expect(v.tensors).toBe(seen[2]!.tensors);
      expect(tf.memory().numTensors).toBe(base + 1);
      y.dispose();

      const controller = new AbortController();
      const run = sampler(model, x, {
        schedule,
        steps: 12,
        cond: null,
        rng: new Rng(1),
        signal: controller.signal,
        callback: ({ i }) => {
          if (i === 4) controller.abort(new Error('stopped by user'));
        },
      });
      await expect(run).rejects.toThrow('stopped by user');
      expect(tf.memory().numTensors).toBe(base);
      x.dispose();
    },
  );

  it('rejects bad options clearly', async () => {
    const x = smallInput();
    await expect(sampleDdpm(model, x, { schedule, steps: 10, cond: null })).rejects.toThrow(
      /needs options.rng/,
    );
    await expect(sampleDdim(model, x, { schedule, steps: 10, cond: null, eta: 1 })).rejects.toThrow(
      /needs options.rng/,
    );
    await expect(sampleDdim(model, x, { schedule, steps: 0, cond: null })).rejects.toThrow(
      /integer in 1 … 1000/,
    );
    expect(() => getSampler('euler')).toThrow(/unknown sampler "euler"/);
    await expect(
      sampleDdim(() => tf.zeros([1]), x, { schedule, steps: 2, cond: null }),
    ).rejects.toThrow(/model returned shape \[1\]/);
    x.dispose();
  });
});

describe('timestep spacing', () => {
  it('matches LDM / diffusers conventions', () => {
    expect(samplingTimesteps(schedule, 10, 'trailing')).toEqual([
      999, 899, 799, 699, 599, 499, 399, 299, 199, 99,
    ]);
    expect(samplingTimesteps(schedule, 10, 'leading')).toEqual([
      901, 801, 701, 601, 501, 401, 301, 201, 101, 1,
    ]);
    expect(samplingTimesteps(schedule, 4, 'linspace')).toEqual([999, 666, 333, 0]);
    expect(samplingTimesteps(schedule, 1000, 'leading')).toEqual([...Array(1000).keys()].reverse());
  });

  it.each(['trailing', 'leading', 'linspace', 'logSnr'] as const)(
    '%s gives S distinct decreasing timesteps',
    (spacing) => {
      for (const steps of [1, 2, 7, 25, 50, 200]) {
        const ts = samplingTimesteps(schedule, steps, spacing);
        expect(ts).toHaveLength(steps);
        for (let k = 1; k < ts.length; k++) expect(ts[k]!).toBeLessThan(ts[k - 1]!);
        expect(ts[steps - 1]!).toBeGreaterThanOrEqual(0);
        expect(ts[0]!).toBeLessThanOrEqual(999);
      }
    },
  );
});
