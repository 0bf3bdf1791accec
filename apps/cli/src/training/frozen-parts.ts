import { join } from 'node:path';
import { AutoencoderKL, type AutoencoderConfig } from '@sgdiff/diffusion';
import { SceneGraphEncoder, type EncoderConfig } from '@sgdiff/encoder';
import { loadModuleFromCheckpoint } from '../model-parts.js';

/** The frozen encoder and autoencoder a diffusion run trains against, from their checkpoints. */
export async function loadFrozenParts(cfg: {
  encoderCheckpoint: string;
  autoencoderCheckpoint: string;
}) {
  const encoder = await loadModuleFromCheckpoint(
    join(cfg.encoderCheckpoint, 'encoder'),
    (c: EncoderConfig) => new SceneGraphEncoder(c),
    'encoder',
  );
  const autoencoder = await loadModuleFromCheckpoint(
    join(cfg.autoencoderCheckpoint, 'autoencoder'),
    (c: AutoencoderConfig) => new AutoencoderKL(c),
    'autoencoder',
  );
  encoder.module.eval();
  autoencoder.module.eval();
  return { encoder: encoder.module, autoencoder: autoencoder.module };
}
