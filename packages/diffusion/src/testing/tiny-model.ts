// Test-only: a complete but tiny SGDiff model (random weights) on the synthetic vocabulary.
import { SceneGraphEncoder, encoderConfig } from '@sgdiff/encoder';
import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { AutoencoderKL } from '../autoencoder/autoencoder-kl.js';
import { AUTOENCODER_PRESETS, type AutoencoderConfig } from '../autoencoder/config.js';
import { Denoiser, type DenoiserConfig } from '../ldm/denoiser.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelManifest } from '../pipeline/manifest.js';
import { scheduleConfig } from '../schedules.js';
import { unetConfig } from '../unet/config.js';

export function tinyModel() {
  const vocab = syntheticVocabulary();
  const enc = encoderConfig(vocab, 'tiny');
  const ae: AutoencoderConfig = {
    ...AUTOENCODER_PRESETS['f4-small'],
    baseChannels: 8,
    channelMult: [1, 2],
    groups: 4,
  };
  const den: DenoiserConfig = {
    unet: unetConfig('synthetic-64', {
      modelChannels: 8,
      channelMult: [1, 2],
      attentionLevels: [1],
      headChannels: 8,
      contextDim: 8,
      groups: 4,
    }),
    context: {
      localDim: enc.tokenDim,
      globalDim: enc.tokenDim,
      contextDim: 8,
      numLocalTokens: enc.tokens,
    },
  };
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    vocabulary: vocab.toJSON(),
    imageSize: 16,
    latentShape: [8, 8, 4],
    latentScale: 1,
    maxObjects: 8,
    schedule: scheduleConfig({ kind: 'linear', numTimesteps: 100 }),
    defaults: { sampler: 'ddim', steps: 4, guidance: 2 },
    parts: {
      encoder: { path: 'encoder', config: { ...enc } },
      autoencoder: { path: 'autoencoder', config: { ...ae } },
      unet: { path: 'unet', config: { ...den } },
    },
    versions: {},
  };
  const encoder = new SceneGraphEncoder(enc);
  const autoencoder = new AutoencoderKL(ae);
  const denoiser = new Denoiser(den);
  return { vocab, manifest, encoder, autoencoder, denoiser };
}
