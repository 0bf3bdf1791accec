// Bundles bench/reference-block.ts into out/bench.mjs, bench/kernels.ts into out/bench-kernels.mjs
// and bench/fused.ts into out/bench-fused.mjs, each one file runnable where there is no
// node_modules (a GPU machine): the WASM binaries are copied beside it, `webgpu` stays external
// (ship node_modules/webgpu, e.g. via .device-carry). Recipe from FACTS.md.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    bench: join(root, 'bench', 'reference-block.ts'),
    'bench-kernels': join(root, 'bench', 'kernels.ts'),
    'bench-fused': join(root, 'bench', 'fused.ts'),
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  // tfjs-core's CJS build calls require('util') and the WASM glue reads __dirname: an ESM bundle
  // needs both defined.
  banner: {
    js: [
      "import { createRequire as __cr } from 'module';",
      "import { fileURLToPath as __fu } from 'url';",
      "import { dirname as __dn } from 'path';",
      'const require = __cr(import.meta.url);',
      'const __filename = __fu(import.meta.url);',
      'const __dirname = __dn(__filename);',
    ].join(' '),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
const wasmDist = join(
  dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'dist',
);
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  copyFileSync(join(wasmDist, f), join(out, f));
}
console.error(
  `wrote ${join(out, 'bench.mjs')}, bench-kernels.mjs, bench-fused.mjs (+ WASM binaries)`,
);
