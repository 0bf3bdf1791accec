import type { LayoutPrior } from '@sgdiff/scene-graph';
import { unetConfig, type UNetPreset } from '../unet/config.js';
import type { DenoiserConfig } from './denoiser.js';

/** Channels of the painted layout map a denoiser with layout input reads (plenty for 30 classes). */
export const LAYOUT_CHANNELS = 16;

/**
 * A fresh denoiser's config for a graph encoder and an autoencoder: the preset's UNet on the
 * autoencoder's latent channels, cross-attending to the encoder's tokens. Attention levels
 * outside the preset are an error (its message names them and the preset's range).
 */
export function denoiserConfig(o: {
  preset: UNetPreset;
  latentChannels: number;
  /** The encoder's token width and local-token count. */
  encoder: { tokenDim: number; tokens: number };
  globalEmbedding?: boolean;
  attentionLevels?: number[];
  /** LayerNorm on the projected tokens (`normalize`). */
  normalizeContext?: boolean;
}): DenoiserConfig {
  const unet = unetConfig(o.preset, {
    inChannels: o.latentChannels,
    outChannels: o.latentChannels,
    ...(o.globalEmbedding ? { globalEmbedding: true } : {}),
    ...(o.attentionLevels ? { attentionLevels: o.attentionLevels } : {}),
  });
  const levels = unet.channelMult.length;
  const outside = unet.attentionLevels.filter((l) => l >= levels || l < 0);
  if (outside.length)
    throw new RangeError(
      `attention levels ${outside.join(',')}: the ${o.preset} UNet has levels 0-${levels - 1}`,
    );
  return {
    unet,
    context: {
      localDim: o.encoder.tokenDim,
      globalDim: o.encoder.tokenDim,
      contextDim: unet.contextDim,
      numLocalTokens: o.encoder.tokens,
      ...(o.normalizeContext ? { normalize: true } : {}),
    },
  };
}

/** The config with label tokens (the triples' label embeddings, `3·dim` wide) added. */
export function withLabelTokens(config: DenoiserConfig, encoderDim: number): DenoiserConfig {
  return { ...config, context: { ...config.context, labelDim: 3 * encoderDim } };
}

/** The config with layout input added (boxes painted over `numLabels` labels); kept if present. */
export function withLayoutInput(
  config: DenoiserConfig,
  numLabels: number,
  prior: LayoutPrior,
): DenoiserConfig {
  if (config.layout) return config;
  return {
    ...config,
    layout: { numLabels, channels: LAYOUT_CHANNELS, prior },
    unet: { ...config.unet, layoutChannels: LAYOUT_CHANNELS },
  };
}
