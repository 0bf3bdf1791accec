import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutoencoderConfig } from '@sgdiff/diffusion';
import type { EncoderConfig } from '@sgdiff/encoder';
import { UserError } from '../errors.js';
import { initSource } from './train.js';

// `--init` reads only the manifest; the committed default model's is the fixture.
const manifest = JSON.parse(
  readFileSync(new URL('../../../../models/default/sgdiff.json', import.meta.url), 'utf8'),
);
const encoder = manifest.parts.encoder.config as EncoderConfig;
const autoencoder = manifest.parts.autoencoder.config as AutoencoderConfig;

function modelDir(edit?: (m: typeof manifest) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sgdiff-init-'));
  const m = structuredClone(manifest);
  edit?.(m);
  writeFileSync(join(dir, 'sgdiff.json'), JSON.stringify(m));
  return dir;
}

describe('train --init', () => {
  it("takes the model's denoiser config, schedule and latent scale", async () => {
    const src = await initSource(modelDir(), encoder, autoencoder);
    expect(src.denoiser).toEqual(manifest.parts.unet.config);
    expect(src.schedule).toEqual(manifest.schedule);
    expect(src.latentScale).toBe(manifest.latentScale);
  });

  it('names every way the denoiser does not fit the frozen parts', async () => {
    const err = await initSource(
      modelDir(),
      { ...encoder, tokenDim: 64, tokens: 9 },
      { ...autoencoder, latentChannels: 3 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('context width 128 vs the encoder');
    expect(msg).toContain("15 local tokens vs the encoder's 9");
    expect(msg).toContain("4 latent channels vs the autoencoder's 3");
  });

  it('refuses a folder without a manifest, a broken manifest and a moved unet', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sgdiff-init-'));
    await expect(initSource(empty, encoder, autoencoder)).rejects.toThrow(
      /is not a model directory \(no sgdiff.json\)/,
    );
    const broken = modelDir((m) => delete m.latentScale);
    await expect(initSource(broken, encoder, autoencoder)).rejects.toThrow(UserError);
    const moved = modelDir((m) => (m.parts.unet.path = 'denoiser'));
    await expect(initSource(moved, encoder, autoencoder)).rejects.toThrow(
      /keeps its unet in "denoiser"/,
    );
  });
});
