// Test-only: a complete but tiny SGDiff model (random weights) on the synthetic vocabulary.
import { SceneGraphEncoder, encoderConfig } from '@sgdiff/encoder';
import { deriveSeed, tf, type Module } from '@sgdiff/nn';
import { SYNTHETIC_LAYOUT_PRIOR, syntheticVocabulary } from '@sgdiff/scene-graph';
import { AutoencoderKL } from '../autoencoder/autoencoder-kl.js';
import { AUTOENCODER_PRESETS, type AutoencoderConfig } from '../autoencoder/config.js';
import { Denoiser, type DenoiserConfig } from '../ldm/denoiser.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelManifest } from '../pipeline/manifest.js';
import { scheduleConfig } from '../schedules.js';
import { unetConfig } from '../unet/config.js';

/** `layout`: with layout input (a 4-channel map). */
export function tinyModel({ seed = 0, layout = false }: { seed?: number; layout?: boolean } = {}) {
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
      ...(layout ? { layoutChannels: 4 } : {}),
    }),
    ...(layout
      ? { layout: { numLabels: vocab.numObjects, channels: 4, prior: SYNTHETIC_LAYOUT_PRIOR } }
      : {}),
    context: {
      localDim: enc.tokenDim,
      globalDim: enc.tokenDim,
      contextDim: 8,
      numLocalTokens: enc.tokens,
      normalize: true, // as `sgdiff train` builds it
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
  [encoder, autoencoder, denoiser].forEach((part, i) => reseed(part, deriveSeed(seed, i)!));
  return { vocab, manifest, encoder, autoencoder, denoiser };
}

/**
 * Redraws every non-constant parameter from a seeded normal, std 1/√fan-in (0.1 for vectors).
 * Module init is unseeded, and a test whose outcome depends on the weights must not depend on the
 * draw. Constants (zero-initialised layers, norm scales) stay as they are.
 */
function reseed(module: Module, seed: number): void {
  let i = 0;
  tf.tidy(() => {
    for (const v of module.parameters().values()) {
      const constant = tf.moments(v).variance.dataSync()[0] === 0;
      const fanIn = v.rank > 1 ? v.size / v.shape[v.rank - 1] : 100;
      const std = 1 / Math.sqrt(fanIn);
      if (!constant) v.assign(tf.randomNormal(v.shape, 0, std, 'float32', deriveSeed(seed, i)));
      i++;
    }
  });
}
