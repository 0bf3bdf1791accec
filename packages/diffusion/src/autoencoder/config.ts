/** The latent autoencoder's shape. Saved in the checkpoint. */
export interface AutoencoderConfig {
  /** Image channels (RGB). */
  imageChannels: number;
  latentChannels: number;
  baseChannels: number;
  /** Width multiplier per level; the downsampling factor is 2^(levels − 1). */
  channelMult: number[];
  numResBlocks: number;
  groups: number;
  /**
   * Latents are multiplied by this before diffusion and divided after, so that they have
   * about unit variance (latent-diffusion's scale_factor). Set from data after training.
   */
  scaleFactor: number;
}

export type AutoencoderPreset = 'f4-cpu' | 'f4-small' | 'f8';

export const AUTOENCODER_PRESETS: Record<AutoencoderPreset, AutoencoderConfig> = {
  // 64×64×3 → 16×16×4 with a quarter of f4-small's compute: what a 2-core CPU trains in hours.
  'f4-cpu': {
    imageChannels: 3,
    latentChannels: 4,
    baseChannels: 16,
    channelMult: [1, 2, 2],
    numResBlocks: 1,
    groups: 8,
    scaleFactor: 1,
  },
  // 64×64×3 → 16×16×4: the synthetic-64 model.
  'f4-small': {
    imageChannels: 3,
    latentChannels: 4,
    baseChannels: 32,
    channelMult: [1, 2, 2],
    numResBlocks: 1,
    groups: 16,
    scaleFactor: 1,
  },
  // 256×256×3 → 32×32×4, latent-diffusion's kl-f8 layout.
  f8: {
    imageChannels: 3,
    latentChannels: 4,
    baseChannels: 128,
    channelMult: [1, 2, 4, 4],
    numResBlocks: 2,
    groups: 32,
    scaleFactor: 0.18215,
  },
};

export function downsamplingFactor(config: AutoencoderConfig): number {
  return 2 ** (config.channelMult.length - 1);
}
