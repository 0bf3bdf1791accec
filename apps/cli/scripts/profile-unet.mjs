// Where a default-UNet forward or train step spends its time on tfjs-wasm, by kernel.
// Usage, from the repo root after `npm run build`:
//   node apps/cli/scripts/profile-unet.mjs [--threads N] [--batch B] [--train] [--model DIR]
// Prints the kernel calls (tf.profile; scopes excluded), the wall time of an unprofiled run, the
// summed kernel time, and the share outside kernels (wall − kernels: op dispatch, the engine's
// bookkeeping, JS between ops), then the kernels by total time.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AdamW, initBackend, tf, trainStep } from '@sgdiff/nn/node';
import { Denoiser } from '@sgdiff/diffusion/node';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '1' },
    train: { type: 'boolean', default: false },
    model: { type: 'string', default: 'models/default' },
    iters: { type: 'string', default: '5' },
    shapes: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
await initBackend({ backend: 'wasm', threads, log: false });
const manifest = JSON.parse(readFileSync(`${values.model}/sgdiff.json`, 'utf8'));
const [h, w, c] = manifest.latentShape;
const d = new Denoiser(manifest.parts.unet.config);
if (!values.train) d.eval();
const cond = d.nullCondition(batch);
const lc = d.config.unet.layoutChannels;
if (lc) cond.layout = tf.randomUniform([batch, h, w, lc], 0, 1, 'float32', 1);
const x = tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 2);
const t = tf.tensor1d(
  Array.from({ length: batch }, (_, i) => (i * 37) % 1000),
  'int32',
);
const target = tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 3);
const opt = values.train ? new AdamW(d.parameters(), { lr: 1e-4 }) : null;

const run = async () => {
  if (opt) {
    await trainStep(d, opt, () => tf.losses.meanSquaredError(target, d.eps(x, t, cond)));
  } else {
    const y = tf.tidy(() => d.eps(x, t, cond));
    await y.data();
    y.dispose();
  }
};
await run(); // warm-up
const times = [];
for (let i = 0; i < Number(values.iters); i++) {
  const t0 = performance.now();
  await run();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const wall = times[Math.floor(times.length / 2)];
const profile = await tf.profile(run);
const isScope = (name) => name.endsWith('__op') || name === 'unnamed scope';
const kernels = profile.kernels.filter((k) => !isScope(k.name));
const byName = new Map();
for (const k of kernels) {
  const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
  e.calls++;
  e.ms += k.kernelTimeMs;
  byName.set(k.name, e);
}
const kernelMs = kernels.reduce((s, k) => s + k.kernelTimeMs, 0);
console.log(
  `${values.train ? 'train step' : 'forward'} B=${batch}, ${threads} thread(s): ${kernels.length} kernel calls; wall ${wall.toFixed(1)} ms (median of ${times.length}); kernels ${kernelMs.toFixed(1)} ms (profiled run); outside kernels ≈ ${Math.max(0, (100 * (wall - kernelMs)) / wall).toFixed(0)}%`,
);
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
  console.log(
    `${name.padEnd(28)} ${String(e.calls).padStart(5)} calls ${e.ms.toFixed(1).padStart(8)} ms`,
  );
if (process.argv.includes('--shapes')) {
  const byShape = new Map();
  for (const k of kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const e = byShape.get(key) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += k.kernelTimeMs;
    byShape.set(key, e);
  }
  console.log('\nby kernel and input shapes:');
  for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30))
    console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(4)}× ${key}`);
}
