import { deriveSeed, withInitSeed } from '@sgdiff/nn';
import { join } from 'node:path';
import { AutoencoderKL, type AutoencoderConfig } from '@sgdiff/diffusion';
import { SceneGraphEncoder, type EncoderConfig } from '@sgdiff/encoder';
import { UserError } from '../errors.js';
import { loadModuleFromCheckpoint } from '../model-parts.js';

/** `--encoder random`: a freshly initialised encoder (trained by the diffusion loss). */
export const RANDOM_ENCODER = 'random';

/**
 * The encoder and autoencoder a diffusion run trains with, from their checkpoints; the encoder
 * freshly initialised from `encoderConfig` where its checkpoint is RANDOM_ENCODER.
 */
export async function loadFrozenParts(cfg: {
  encoderCheckpoint: string;
  autoencoderCheckpoint: string;
  encoderConfig?: EncoderConfig;
  /** The run's --seed, for a random encoder's initial weights. */
  seed?: number;
}) {
  let encoder: { module: SceneGraphEncoder };
  if (cfg.encoderCheckpoint === RANDOM_ENCODER) {
    if (!cfg.encoderConfig)
      throw new UserError('a random encoder needs its config (encoderConfig)');
    // Its own stream of --seed, apart from the UNet's.
    const config = cfg.encoderConfig;
    encoder = {
      module: withInitSeed(deriveSeed(cfg.seed ?? 0, 1)!, () => new SceneGraphEncoder(config)),
    };
  } else {
    encoder = await loadModuleFromCheckpoint(
      join(cfg.encoderCheckpoint, 'encoder'),
      (c: EncoderConfig) => new SceneGraphEncoder(c),
      'encoder',
    );
  }
  const autoencoder = await loadModuleFromCheckpoint(
    join(cfg.autoencoderCheckpoint, 'autoencoder'),
    (c: AutoencoderConfig) => new AutoencoderKL(c),
    'autoencoder',
  );
  encoder.module.eval();
  autoencoder.module.eval();
  return { encoder: encoder.module, autoencoder: autoencoder.module };
}
