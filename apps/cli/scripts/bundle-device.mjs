// Bundles the built CLI (dist/main.js) into out/sgdiff.mjs, one file that runs where there is no
// node_modules (a GPU machine, docs/toolchain.md): `webgpu` stays external (ship
// node_modules/webgpu, e.g. via .device-carry) and the WASM binaries are copied beside it.
// sharp (image import of VG/COCO) is native and is replaced by a stub that says so when called.
// Usage: npx tsc -b apps/cli/tsconfig.lib.json && node apps/cli/scripts/bundle-device.mjs
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWasmBinaries, nodeBundleOptions } from '../../../packages/nn/scripts/node-bundle.mjs';

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
  ...nodeBundleOptions,
  entryPoints: { sgdiff: join(root, 'dist', 'main.js') },
  plugins: [noSharp],
  outdir: out,
});
copyWasmBinaries(out);
console.log(join(out, 'sgdiff.mjs'));
