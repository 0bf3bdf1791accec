// Per-kernel time of one autoencoder training step (f4-small, 64×64), on a chosen backend.
//   node packages/diffusion/scripts/profile-autoencoder.mjs [wasm|cpu|webgpu] [batch]
import { initBackend } from '@sgdiff/nn/node';
import { tf } from '@sgdiff/nn';
import {
  AUTOENCODER_PRESETS,
  AutoencoderTrainer,
  DEFAULT_AUTOENCODER_TRAINING,
} from '@sgdiff/diffusion';

const backend = process.argv[2] ?? 'wasm';
const batch = Number(process.argv[3] ?? 8);
await initBackend({ backend, allowSoftwareWebGpu: true });
const trainer = new AutoencoderTrainer(
  AUTOENCODER_PRESETS['f4-small'],
  DEFAULT_AUTOENCODER_TRAINING,
);
const images = new Uint8Array(batch * 64 * 64 * 3).map((_, i) => (i * 2654435761) >>> 24);
await trainer.step(images, batch, 64, 1); // warm-up
const t0 = performance.now();
const info = await tf.profile(() => trainer.step(images, batch, 64, 2));
const wall = performance.now() - t0;
const byKernel = new Map();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.n++;
  byKernel.set(k.name, e);
}
const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
console.log(
  JSON.stringify({ backend, batch, stepMs: Math.round(wall), kernels: info.kernels.length }),
);
for (const [name, e] of rows)
  console.log(`${name.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ms  ×${e.n}`);
