#!/usr/bin/env node
// Writes the placeholder model the web demo serves until a trained one exists at the repo's
// models/default/ (issue #10): the real format (sgdiff.json + encoder/ autoencoder/ unet/), on
// the synthetic vocabulary at 64×64, with random weights. Its sgdiff.json says
// `provenance.placeholder: true`, and the page labels it "untrained placeholder model".
//
//   node apps/web/scripts/make-random-model.mjs [--out DIR] [--force]
//
// Runs against the packages' built dist (npx nx run-many -t build first).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, tf } from '@sgdiff/nn/node';
import { SceneGraphEncoder, encoderConfig } from '@sgdiff/encoder';
import {
  AUTOENCODER_PRESETS,
  AutoencoderKL,
  Denoiser,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  scheduleConfig,
  unetConfig,
} from '@sgdiff/diffusion';
import { writeModelDirectory } from '@sgdiff/diffusion/node';
import { syntheticVocabulary } from '@sgdiff/scene-graph';

const here = dirname(fileURLToPath(import.meta.url));
export const PLACEHOLDER_DIR = resolve(here, '../.generated/models/placeholder');
/** Bump when the architecture below changes, so stale placeholders are rebuilt. */
const PLACEHOLDER_VERSION = 1;

const { values } = parseArgs({
  options: { out: { type: 'string' }, force: { type: 'boolean', default: false } },
});
const EMBED_GAIN = 8;
const WEIGHT_GAIN = 3;
const out = resolve(values.out ?? PLACEHOLDER_DIR);

async function upToDate() {
  if (!existsSync(join(out, 'sgdiff.json'))) return false;
  const { readFile } = await import('node:fs/promises');
  const m = JSON.parse(await readFile(join(out, 'sgdiff.json'), 'utf8'));
  return m.provenance?.placeholderVersion === PLACEHOLDER_VERSION;
}

if (!values.force && (await upToDate())) {
  console.log(`placeholder model up to date: ${out}`);
  process.exit(0);
}

await initBackend({ backend: 'cpu', log: false });
const vocab = syntheticVocabulary();
const enc = encoderConfig(vocab, 'synthetic', { dim: 64, hidden: 128, layers: 3, tokenDim: 64 });
// f4: 64×64×3 → 16×16×4.
const ae = {
  ...AUTOENCODER_PRESETS['f4-small'],
  baseChannels: 32,
  channelMult: [1, 2, 2],
  groups: 8,
};
const contextDim = 64;
const den = {
  unet: unetConfig('synthetic-64', {
    modelChannels: 32,
    channelMult: [1, 2],
    attentionLevels: [1],
    headChannels: 32,
    contextDim,
    groups: 8,
  }),
  context: {
    localDim: enc.tokenDim,
    globalDim: enc.tokenDim,
    contextDim,
    numLocalTokens: enc.tokens,
  },
};
const manifest = {
  format: MODEL_FORMAT,
  formatVersion: MODEL_FORMAT_VERSION,
  vocabulary: vocab.toJSON(),
  imageSize: 64,
  latentShape: [16, 16, 4],
  latentScale: 1,
  maxObjects: 8,
  schedule: scheduleConfig({ kind: 'linear', numTimesteps: 1000 }),
  defaults: { sampler: 'ddim', steps: 10, guidance: 3 },
  parts: {
    encoder: { path: 'encoder', config: { ...enc } },
    autoencoder: { path: 'autoencoder', config: { ...ae } },
    unet: { path: 'unet', config: { ...den } },
  },
  versions: {},
  provenance: {
    placeholder: true,
    placeholderVersion: PLACEHOLDER_VERSION,
    note: 'Untrained: random weights, written by apps/web/scripts/make-random-model.mjs so that the demo runs end to end before a trained model exists.',
  },
};

const encoder = new SceneGraphEncoder(enc);
const autoencoder = new AutoencoderKL(ae);
const denoiser = new Denoiser(den);
// Residual outputs start at zero, which would make an untrained UNet ignore the graph entirely.
// Give them small random values, so that editing the graph visibly changes the image.
for (const v of denoiser.parameters().values()) {
  if (v.rank >= 2 && tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0]) === 0) {
    const fanIn = v.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    v.assign(tf.randomNormal(v.shape, 0, 1 / Math.sqrt(fanIn), 'float32'));
  }
}
// PyTorch's default init shrinks the signal through the encoder's ReLU MLPs, so that an untrained
// encoder maps every graph to almost the same tokens. Unit-variance embeddings and He-scaled
// weights keep graphs apart.
for (const [name, v] of encoder.parameters()) {
  if (v.rank < 2) continue;
  v.assign(tf.mul(v, name.includes('Embedding') ? EMBED_GAIN : WEIGHT_GAIN));
}
await writeModelDirectory(out, manifest, { encoder, autoencoder, unet: denoiser });
const count = (m) => [...m.parameters().values()].reduce((a, v) => a + v.size, 0);
console.log(
  `placeholder model written: ${out} (encoder ${count(encoder)}, autoencoder ${count(autoencoder)}, unet ${count(denoiser)} parameters)`,
);
