// esbuild settings for one-file Node bundles that run where there is no node_modules (a GPU
// machine, docs/toolchain.md), shared by bundle-bench.mjs and apps/cli/scripts/bundle-device.mjs.
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** `webgpu` stays external (ship node_modules/webgpu). tfjs-core's CJS build calls
 * require('util') and the WASM glue reads __dirname: an ESM bundle needs both defined. */
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
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
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
};

/** Copies the tfjs WASM binaries beside a bundle (the wasm backend loads them from there). */
export function copyWasmBinaries(
  out,
  files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'],
) {
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of files) copyFileSync(join(dist, f), join(out, f));
}
