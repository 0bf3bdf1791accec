import {
  DEFAULT_COSINE_SCHEDULE,
  DEFAULT_LINEAR_SCHEDULE,
  makeNoiseSchedule,
  parseScheduleConfig,
  scheduleConfig,
  scheduleConfigToJSON,
  type NoiseSchedule,
} from './schedules.js';
import { readFixture } from './testing/fixtures.js';

// Reference: scripts/make_schedule_fixtures.py (numpy float64, latent-diffusion / improved-diffusion formulas).
interface ScheduleFixture {
  at: Record<string, number[]>;
  sum: Record<string, number>;
}
const fixtures = readFixture<{
  indices: number[];
  numTimesteps: number;
  schedules: Record<'linear' | 'cosine', ScheduleFixture>;
}>('schedules.json');
type Quantity = keyof NoiseSchedule;

describe.each([
  ['linear', DEFAULT_LINEAR_SCHEDULE],
  ['cosine', DEFAULT_COSINE_SCHEDULE],
] as const)('%s schedule', (name, config) => {
  const schedule = makeNoiseSchedule(config);
  const ref = fixtures.schedules[name];

  it.each(Object.keys(ref.at) as Quantity[])(
    '%s matches numpy at sampled timesteps and in sum',
    (q) => {
      const ours = schedule[q] as Float64Array;
      expect(ours).toHaveLength(fixtures.numTimesteps);
      fixtures.indices.forEach((t, k) => {
        const want = ref.at[q]![k]!;
        expect(Math.abs(ours[t]! - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
      });
      const sum = ours.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - ref.sum[q]!)).toBeLessThanOrEqual(
        1e-10 * Math.max(1, Math.abs(ref.sum[q]!)),
      );
    },
  );

  it('is monotone: β increasing, ᾱ decreasing in (0, 1)', () => {
    for (let t = 1; t < schedule.numTimesteps; t++) {
      expect(schedule.alphasCumprod[t]!).toBeLessThan(schedule.alphasCumprod[t - 1]!);
      expect(schedule.betas[t]!).toBeGreaterThanOrEqual(schedule.betas[t - 1]!);
    }
    expect(schedule.alphasCumprod[schedule.numTimesteps - 1]!).toBeGreaterThan(0);
  });
});

describe('schedule config', () => {
  it('linear endpoints are exactly βstart and βend', () => {
    const s = makeNoiseSchedule();
    expect(s.betas[0]).toBeCloseTo(0.0015, 15);
    expect(s.betas[999]).toBeCloseTo(0.0195, 15);
  });

  it('round-trips through JSON and fills defaults', () => {
    for (const c of [
      DEFAULT_LINEAR_SCHEDULE,
      DEFAULT_COSINE_SCHEDULE,
      scheduleConfig({ kind: 'linear', numTimesteps: 50 }),
    ]) {
      expect(parseScheduleConfig(JSON.parse(scheduleConfigToJSON(c)))).toEqual(c);
    }
    expect(parseScheduleConfig('{"kind":"cosine"}')).toEqual(DEFAULT_COSINE_SCHEDULE);
    expect(parseScheduleConfig({})).toEqual(DEFAULT_LINEAR_SCHEDULE);
  });

  it('rejects bad configs with clear errors', () => {
    expect(() => parseScheduleConfig({ kind: 'quadratic' })).toThrow(/unknown kind "quadratic"/);
    expect(() => parseScheduleConfig({ kind: 'linear', s: 0.008 })).toThrow(/unknown field "s"/);
    expect(() => parseScheduleConfig({ numTimesteps: '1000' })).toThrow(/must be a number/);
    expect(() => parseScheduleConfig({ numTimesteps: 1.5 })).toThrow(/integer/);
    expect(() => parseScheduleConfig({ betaStart: 0.1, betaEnd: 0.01 })).toThrow(
      /betaStart ≤ betaEnd/,
    );
    expect(() => parseScheduleConfig([])).toThrow(/expected an object/);
  });
});
