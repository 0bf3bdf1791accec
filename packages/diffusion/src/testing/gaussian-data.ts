// Test-only: data x0 ~ N(μ_c, s_c²) per channel, whose ε-denoiser is known in closed form.
import { tf } from '@sgdiff/nn';
import type { EpsModel } from '../model.js';
import type { NoiseSchedule } from '../schedules.js';

/**
 * E[ε | x_t] = √(1−ᾱ)·(x_t − √ᾱ·μ)/(ᾱ·s² + 1 − ᾱ). x: [B, H, W, C]; t: [B] (all equal, as the
 * samplers call it; ᾱ is read in float64).
 */
export function gaussianDenoiser(
  schedule: NoiseSchedule,
  mu: number[],
  s: number[],
): EpsModel<unknown> {
  return (x, t) =>
    tf.tidy(() => {
      const ts = t.dataSync();
      if (ts.some((v) => v !== ts[0]))
        throw new Error('gaussianDenoiser: mixed timesteps in one batch');
      const ab = schedule.alphasCumprod[ts[0]!]!;
      const k = mu.map((_, c) => Math.sqrt(1 - ab) / (ab * s[c]! ** 2 + 1 - ab));
      const shift = mu.map((m) => Math.sqrt(ab) * m);
      return tf.mul(tf.sub(x, tf.tensor1d(shift)), tf.tensor1d(k));
    });
}

/** Per-channel mean and (population) std of x: [..., C]. */
export function channelMoments(
  values: Float32Array,
  channels: number,
): { mean: number[]; std: number[] } {
  const n = values.length / channels;
  const mean = Array<number>(channels).fill(0);
  const sq = Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % channels]! += values[i]!;
  for (let c = 0; c < channels; c++) mean[c]! /= n;
  for (let i = 0; i < values.length; i++)
    sq[i % channels]! += (values[i]! - mean[i % channels]!) ** 2;
  return { mean, std: sq.map((v) => Math.sqrt(v / n)) };
}
