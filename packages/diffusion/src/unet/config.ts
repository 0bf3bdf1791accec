/** The denoiser's shape. Saved in the checkpoint, so a model directory rebuilds its UNet. */
export interface UNetConfig {
  /** Latent channels in and out (ε-prediction). */
  inChannels: number;
  outChannels: number;
  modelChannels: number;
  /** Width multiplier per resolution level; each level after the first halves H and W. */
  channelMult: number[];
  numResBlocks: number;
  /** Levels (0-based) that get a spatial transformer after each res block. */
  attentionLevels: number[];
  /** Channels per attention head. */
  headChannels: number;
  /** Width of the graph-token context the transformers cross-attend to. */
  contextDim: number;
  dropout: number;
  groups: number;
  /**
   * Also add the context's last token (the graph's global token) to the timestep embedding, as
   * ADM adds a class embedding: every res block sees the graph through its scale/shift, a path
   * that trains much faster than cross-attention alone. Not in SGDiff; absent (older models): off.
   */
  globalEmbedding?: boolean;
  /**
   * Channels of a layout map (`LayoutMap`) added to the input features through a
   * zero-initialised, bias-free conv, so that an absent map is the same as an empty one and a
   * UNet trained without it starts unchanged. Not in SGDiff; absent: no layout input.
   */
  layoutChannels?: number;
}

export type UNetPreset = 'synthetic-64' | 'sgdiff-256';

/**
 * `sgdiff-256` is SGDiff's denoiser (model channels 256, mult 1/2/4, two res blocks, attention
 * at every level, 32 channels per head, on 4×32×32 latents). `synthetic-64` is small enough to
 * train on a 2-core CPU, on 4×16×16 latents of 64×64 images.
 */
export const UNET_PRESETS: Record<UNetPreset, UNetConfig> = {
  'sgdiff-256': {
    inChannels: 4,
    outChannels: 4,
    modelChannels: 256,
    channelMult: [1, 2, 4],
    numResBlocks: 2,
    attentionLevels: [0, 1, 2],
    headChannels: 32,
    contextDim: 512,
    dropout: 0,
    groups: 32,
  },
  'synthetic-64': {
    inChannels: 4,
    outChannels: 4,
    modelChannels: 64,
    channelMult: [1, 2, 2],
    numResBlocks: 1,
    attentionLevels: [1, 2],
    headChannels: 32,
    contextDim: 128,
    dropout: 0,
    groups: 16,
  },
};

export function unetConfig(preset: UNetPreset, overrides: Partial<UNetConfig> = {}): UNetConfig {
  return { ...UNET_PRESETS[preset], ...overrides };
}
