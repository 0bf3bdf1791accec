// Noise schedules, computed in float64 (JS numbers) and cast to float32 only when a tensor is
// made. Names follow improved-diffusion's GaussianDiffusion.

/** Which β schedule. */
export type ScheduleKind = 'linear' | 'cosine';

/**
 * latent-diffusion's "linear" schedule: β = linspace(√βstart, √βend, T)². (diffusers calls this
 * "scaled_linear".) SGDiff: βstart 0.0015, βend 0.0195, T 1000.
 */
export interface LinearScheduleConfig {
  kind: 'linear';
  numTimesteps: number;
  betaStart: number;
  betaEnd: number;
}

/** Nichol & Dhariwal's cosine schedule: ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2), β clipped at maxBeta. */
export interface CosineScheduleConfig {
  kind: 'cosine';
  numTimesteps: number;
  s: number;
  maxBeta: number;
}

export type ScheduleConfig = LinearScheduleConfig | CosineScheduleConfig;

export const DEFAULT_LINEAR_SCHEDULE: Readonly<LinearScheduleConfig> = Object.freeze({
  kind: 'linear',
  numTimesteps: 1000,
  betaStart: 0.0015,
  betaEnd: 0.0195,
});

export const DEFAULT_COSINE_SCHEDULE: Readonly<CosineScheduleConfig> = Object.freeze({
  kind: 'cosine',
  numTimesteps: 1000,
  s: 0.008,
  maxBeta: 0.999,
});

/** Fills defaults for the chosen kind (linear when no kind is given). */
export function scheduleConfig(
  partial: Partial<LinearScheduleConfig> | Partial<CosineScheduleConfig> = {},
): ScheduleConfig {
  const kind = partial.kind ?? 'linear';
  const config: ScheduleConfig =
    kind === 'cosine'
      ? { ...DEFAULT_COSINE_SCHEDULE, ...(partial as Partial<CosineScheduleConfig>), kind }
      : { ...DEFAULT_LINEAR_SCHEDULE, ...(partial as Partial<LinearScheduleConfig>), kind };
  validateScheduleConfig(config);
  return config;
}

/** Parses a config read from JSON (e.g. sgdiff.json's `schedule`), with clear errors. */
export function parseScheduleConfig(json: unknown): ScheduleConfig {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('schedule config: expected an object');
  }
  const o = value as Record<string, unknown>;
  if (o['kind'] !== undefined && o['kind'] !== 'linear' && o['kind'] !== 'cosine') {
    throw new Error(
      `schedule config: unknown kind ${JSON.stringify(o['kind'])} (expected "linear" or "cosine")`,
    );
  }
  const allowed =
    o['kind'] === 'cosine'
      ? ['kind', 'numTimesteps', 's', 'maxBeta']
      : ['kind', 'numTimesteps', 'betaStart', 'betaEnd'];
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new Error(`schedule config: unknown field "${key}"`);
    if (key !== 'kind' && typeof o[key] !== 'number')
      throw new Error(`schedule config: "${key}" must be a number`);
  }
  return scheduleConfig(o as Partial<ScheduleConfig>);
}

/** The config as JSON text (round-trips through parseScheduleConfig). */
export function scheduleConfigToJSON(config: ScheduleConfig): string {
  return JSON.stringify(config);
}

function validateScheduleConfig(c: ScheduleConfig): void {
  if (!Number.isInteger(c.numTimesteps) || c.numTimesteps < 2) {
    throw new Error(`schedule config: numTimesteps must be an integer ≥ 2, got ${c.numTimesteps}`);
  }
  if (c.kind === 'linear') {
    if (!(c.betaStart > 0 && c.betaStart <= c.betaEnd && c.betaEnd < 1)) {
      throw new Error(
        `schedule config: need 0 < betaStart ≤ betaEnd < 1, got ${c.betaStart}, ${c.betaEnd}`,
      );
    }
  } else if (!(c.s >= 0 && c.maxBeta > 0 && c.maxBeta < 1)) {
    throw new Error(`schedule config: need s ≥ 0 and 0 < maxBeta < 1, got ${c.s}, ${c.maxBeta}`);
  }
}

/** β_t for t = 0 … T−1, in float64. */
export function betasFor(config: ScheduleConfig): Float64Array {
  const n = config.numTimesteps;
  const betas = new Float64Array(n);
  if (config.kind === 'linear') {
    const a = Math.sqrt(config.betaStart);
    const b = Math.sqrt(config.betaEnd);
    // numpy's linspace: start + i·step, with the last point exactly `end`.
    const step = (b - a) / (n - 1);
    for (let i = 0; i < n; i++) {
      const v = i === n - 1 ? b : a + i * step;
      betas[i] = v * v;
    }
  } else {
    const f = (t: number) => Math.cos(((t + config.s) / (1 + config.s)) * (Math.PI / 2)) ** 2;
    for (let i = 0; i < n; i++) betas[i] = Math.min(1 - f((i + 1) / n) / f(i / n), config.maxBeta);
  }
  return betas;
}

/** A schedule with every derived quantity, indexed by timestep t = 0 … T−1 (float64). */
export interface NoiseSchedule {
  readonly config: ScheduleConfig;
  readonly numTimesteps: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  /** ᾱ_t = ∏_{s≤t} α_s. */
  readonly alphasCumprod: Float64Array;
  /** ᾱ_{t−1}, with ᾱ_{−1} = 1. */
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  readonly sqrtRecipAlphasCumprod: Float64Array;
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  /** Variance of q(x_{t−1} | x_t, x_0). Zero at t = 0. */
  readonly posteriorVariance: Float64Array;
  /** log of it, with t = 0 replaced by t = 1 (the t = 0 variance is 0). */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** Posterior mean = coef1·x_0 + coef2·x_t. */
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;
  /** k-diffusion σ_t = √((1 − ᾱ_t)/ᾱ_t), for x = x_0 + σ·ε in the variance-exploding view. */
  readonly sigmas: Float64Array;
  /** log SNR = log(ᾱ_t/(1 − ᾱ_t)) = 2λ_t in DPM-Solver's notation. */
  readonly logSnr: Float64Array;
}

export function makeNoiseSchedule(config: ScheduleConfig = DEFAULT_LINEAR_SCHEDULE): NoiseSchedule {
  validateScheduleConfig(config);
  const betas = betasFor(config);
  const n = betas.length;
  const map = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  const alphas = map((i) => 1 - betas[i]!);
  const alphasCumprod = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) alphasCumprod[i] = prod *= alphas[i]!;
  const ac = (i: number) => alphasCumprod[i]!;
  const alphasCumprodPrev = map((i) => (i === 0 ? 1 : ac(i - 1)));
  const posteriorVariance = map((i) => (betas[i]! * (1 - alphasCumprodPrev[i]!)) / (1 - ac(i)));
  return {
    config: { ...config },
    numTimesteps: n,
    betas,
    alphas,
    alphasCumprod,
    alphasCumprodPrev,
    sqrtAlphasCumprod: map((i) => Math.sqrt(ac(i))),
    sqrtOneMinusAlphasCumprod: map((i) => Math.sqrt(1 - ac(i))),
    sqrtRecipAlphasCumprod: map((i) => Math.sqrt(1 / ac(i))),
    sqrtRecipm1AlphasCumprod: map((i) => Math.sqrt(1 / ac(i) - 1)),
    posteriorVariance,
    posteriorLogVarianceClipped: map((i) => Math.log(posteriorVariance[i === 0 ? 1 : i]!)),
    posteriorMeanCoef1: map((i) => (betas[i]! * Math.sqrt(alphasCumprodPrev[i]!)) / (1 - ac(i))),
    posteriorMeanCoef2: map(
      (i) => ((1 - alphasCumprodPrev[i]!) * Math.sqrt(alphas[i]!)) / (1 - ac(i)),
    ),
    sigmas: map((i) => Math.sqrt((1 - ac(i)) / ac(i))),
    logSnr: map((i) => Math.log(ac(i) / (1 - ac(i)))),
  };
}
