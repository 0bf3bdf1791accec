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
export {
  diffusionConfig,
  GaussianDiffusion,
  type DiffusionConfig,
  type LossType,
  type ModelMeanType,
  type Timesteps,
} from './gaussian-diffusion.js';
export { concatTensorCond, guidedEps, withGuidance, type GuidanceOptions } from './guidance.js';
export * from './samplers/index.js';
// Networks: the latent autoencoder, the UNet denoiser and the graph-token context.
export { ResBlock, Downsample, normGroups, type ResBlockOptions } from './blocks/res-block.js';
export {
  SpatialTransformer,
  type SpatialTransformerOptions,
} from './blocks/spatial-transformer.js';
export { UNet } from './unet/unet.js';
export {
  denoiserConfig,
  LAYOUT_CHANNELS,
  withLabelTokens,
  withLayoutInput,
} from './ldm/denoiser-config.js';
export { UNET_PRESETS, unetConfig, type UNetConfig, type UNetPreset } from './unet/config.js';
export { timestepEmbedding } from './unet/timestep-embedding.js';
export {
  GraphContext,
  disposeTokens,
  tokenStats,
  type GraphContextConfig,
  type GraphTokens,
  type TokenStats,
} from './conditioning/graph-context.js';
export {
  boxCoverage,
  LayoutMap,
  layoutSlots,
  type LayoutConfig,
  type LayoutSlots,
} from './conditioning/layout-map.js';
export {
  AutoencoderKL,
  autoencoderLoss,
  type LatentDistribution,
} from './autoencoder/autoencoder-kl.js';
export {
  AUTOENCODER_PRESETS,
  downsamplingFactor,
  type AutoencoderConfig,
  type AutoencoderPreset,
} from './autoencoder/config.js';
export {
  AutoencoderTrainer,
  DEFAULT_AUTOENCODER_TRAINING,
  type AutoencoderTrainConfig,
} from './autoencoder/trainer.js';
export { imagesToTensor, psnr, rgbToRgba, tensorToImages } from './images/convert.js';
// Latent diffusion: the trainable denoiser, its trainer and the end-to-end pipeline.
export {
  concatContext,
  Denoiser,
  disposeCond,
  type ContextCond,
  type DenoiserConfig,
} from './ldm/denoiser.js';
export {
  DEFAULT_LDM_TRAINING,
  estimateLatentScale,
  LABEL_PARAMS,
  LatentDiffusionTrainer,
  LAYOUT_PARAMS,
  type FrozenGraphEncoder,
  type TrainableGraphEncoder,
  type LatentDiffusionTrainConfig,
} from './ldm/trainer.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  MODEL_MANIFEST,
  ModelError,
  parseModelManifest,
  type ModelManifest,
} from './pipeline/manifest.js';
export {
  resolveSettings,
  type SamplingOptions,
  type SamplingSettings,
} from './pipeline/settings.js';
export {
  fetchModelSource,
  SGDiffPipeline,
  unchangedFraction,
  keepUntouchedBoxes,
  type GeneratedImage,
  type GenerateOptions,
  type GenerateResult,
  type LoadPipelineOptions,
  type ModelSource,
} from './pipeline/pipeline.js';
