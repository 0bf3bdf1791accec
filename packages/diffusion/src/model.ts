// What the process and the samplers need from a network: nothing but a function.
import type { tf } from '@sgdiff/nn';

/**
 * An ε-prediction denoiser. The UNet, a guided wrapper and the analytic test denoiser all fit.
 * x: [B, ...] (latents are [B, H, W, C]); t: [B] float32 timestep values (integers 0 … T−1 for
 * the discrete samplers here); returns ε̂ with x's shape. Must not dispose its inputs.
 */
export type EpsModel<C = unknown> = (x: tf.Tensor, t: tf.Tensor, cond: C) => tf.Tensor;
