// Bundles bench/reference-block.ts into out/bench.mjs, bench/kernels.ts into out/bench-kernels.mjs
// and bench/fused.ts into out/bench-fused.mjs, each one file runnable where there is no
// node_modules (a GPU machine): the WASM binaries are copied beside it, `webgpu` stays external
// (ship node_modules/webgpu, e.g. via .device-carry). Recipe from docs/toolchain.md.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWasmBinaries, nodeBundleOptions } from './node-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out');
mkdirSync(out, { recursive: true });
await build({
  ...nodeBundleOptions,
  entryPoints: {
    bench: join(root, 'bench', 'reference-block.ts'),
    'bench-kernels': join(root, 'bench', 'kernels.ts'),
    'bench-fused': join(root, 'bench', 'fused.ts'),
  },
  outdir: out,
});
copyWasmBinaries(out, [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]);
console.error(
  `wrote ${join(out, 'bench.mjs')}, bench-kernels.mjs, bench-fused.mjs (+ WASM binaries)`,
);
