import { SYNTHETIC_LAYOUT_PRIOR } from '@sgdiff/scene-graph';
import { UNET_PRESETS } from '../unet/config.js';
import {
  denoiserConfig,
  LAYOUT_CHANNELS,
  withLabelTokens,
  withLayoutInput,
} from './denoiser-config.js';

const base = {
  preset: 'synthetic-64' as const,
  latentChannels: 8,
  encoder: { tokenDim: 96, tokens: 20 },
};

describe('denoiser configs', () => {
  it('puts the preset UNet on the latent channels and the encoder tokens', () => {
    const c = denoiserConfig(base);
    expect(c.unet).toEqual({ ...UNET_PRESETS['synthetic-64'], inChannels: 8, outChannels: 8 });
    expect(c.context).toEqual({
      localDim: 96,
      globalDim: 96,
      contextDim: c.unet.contextDim,
      numLocalTokens: 20,
    });
    expect(
      denoiserConfig({ ...base, normalizeContext: true, globalEmbedding: true }),
    ).toMatchObject({
      unet: { globalEmbedding: true },
      context: { normalize: true },
    });
  });

  it('refuses attention levels the preset does not have, naming the range', () => {
    const levels = UNET_PRESETS['synthetic-64'].channelMult.length;
    expect(() => denoiserConfig({ ...base, attentionLevels: [1, levels] })).toThrow(
      `attention levels ${levels}: the synthetic-64 UNet has levels 0-${levels - 1}`,
    );
  });

  it('adds label tokens and layout input, and keeps an existing layout', () => {
    const c = withLabelTokens(denoiserConfig(base), 32);
    expect(c.context.labelDim).toBe(96);
    const l = withLayoutInput(c, 21, SYNTHETIC_LAYOUT_PRIOR);
    expect(l.layout).toEqual({
      numLabels: 21,
      channels: LAYOUT_CHANNELS,
      prior: SYNTHETIC_LAYOUT_PRIOR,
    });
    expect(l.unet.layoutChannels).toBe(LAYOUT_CHANNELS);
    expect(withLayoutInput(l, 99, SYNTHETIC_LAYOUT_PRIOR)).toBe(l);
  });
});
