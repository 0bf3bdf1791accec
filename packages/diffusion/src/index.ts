// @sgdiff/diffusion: the model-independent core (schedules, forward process, guidance, samplers).
// The autoencoder, UNet and SGDiffPipeline are added on top of these.
export type { EpsModel } from './model.js';
export {
  betasFor,
  DEFAULT_COSINE_SCHEDULE,
  DEFAULT_LINEAR_SCHEDULE,
  makeNoiseSchedule,
  parseScheduleConfig,
  scheduleConfig,
  scheduleConfigToJSON,
  type CosineScheduleConfig,
  type LinearScheduleConfig,
  type NoiseSchedule,
  type ScheduleConfig,
  type ScheduleKind,
} from './schedules.js';
export { Rng, randn, type RngState } from './noise.js';
export { diffusionConfig, GaussianDiffusion, type DiffusionConfig, type LossType, type ModelMeanType, type Timesteps } from './gaussian-diffusion.js';
export { concatTensorCond, guidedEps, withGuidance, type GuidanceOptions } from './guidance.js';
export * from './samplers/index.js';
