// Sampling speed of a model directory, sampler by sampler, in one process (side by side).
// Usage, from the repo root after `npm run build`:
//   node apps/cli/scripts/bench-sampling.mjs [MODEL_DIR=models/default] [--backend wasm] [--repeats 3]
// Prints ms per image at batch 1 and batch 8 for DDIM-50 and DPM-Solver++(2M)-20, at the model's
// default guidance (guided sampling runs the UNet on a doubled batch).
import { parseArgs } from 'node:util';
import { initBackend } from '@sgdiff/nn/node';
import { loadPipeline } from '@sgdiff/diffusion/node';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' },
    repeats: { type: 'string', default: '3' },
  },
});
const dir = positionals[0] ?? 'models/default';
const repeats = Number(values.repeats);
await initBackend({ backend: values.backend, log: false });
const pipe = await loadPipeline(dir);
const graph = 'red circle left of blue square; blue square above grass; yellow triangle inside sky';
const configs = [
  { sampler: 'ddim', steps: 50 },
  { sampler: 'dpmpp-2m', steps: 20 },
];
const guidance = pipe.manifest.defaults.guidance;
console.log(
  `model ${dir}, ${pipe.manifest.imageSize}² images, guidance ${guidance}, backend ${values.backend}`,
);
await pipe.generate(graph, { steps: 2 }); // warm-up: kernels compiled, weights uploaded
console.log('sampler        steps  batch  ms/image  ms/step (whole batch)');
for (const batch of [1, 8]) {
  for (const { sampler, steps } of configs) {
    const graphs = Array.from({ length: batch }, () => graph);
    const times = [];
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      await pipe.generate(graphs, { sampler, steps, seed: r });
      times.push(performance.now() - t);
    }
    const best = Math.min(...times);
    console.log(
      `${sampler.padEnd(14)} ${String(steps).padStart(5)}  ${String(batch).padStart(5)}  ${(best / batch).toFixed(0).padStart(8)}  ${(best / steps).toFixed(1).padStart(8)}`,
    );
  }
}
