// Bundles the built CLI (dist/main.js) into out/sgdiff.mjs, one file that runs where there is no
// node_modules (a GPU machine, ../shared/FACTS.md): `webgpu` stays external (ship
// node_modules/webgpu, e.g. via .device-carry) and the WASM binaries are copied beside it.
// sharp (image import of VG/COCO) is native and is replaced by a stub that says so when called.
// Usage: npx tsc -b apps/cli/tsconfig.lib.json && node apps/cli/scripts/bundle-device.mjs
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out');
mkdirSync(out, { recursive: true });
const noSharp = {
  name: 'no-sharp',
  setup(b) {
    b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'no-sharp' }));
    b.onLoad({ filter: /.*/, namespace: 'no-sharp' }, () => ({
      contents:
        "export default function sharp() { throw new Error('sharp is not part of the device bundle: import VG/COCO images with the full CLI'); }",
    }));
  },
};
await build({
  entryPoints: { sgdiff: join(root, 'dist', 'main.js') },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  plugins: [noSharp],
  // tfjs-core's CJS build calls require('util') and the WASM glue reads __dirname.
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
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
  copyFileSync(join(wasmDist, f), join(out, f));
}
console.log(join(out, 'sgdiff.mjs'));
