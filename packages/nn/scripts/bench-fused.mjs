// npm run bench:fused: bundles bench/fused.ts into out/bench-fused.mjs (one file, `webgpu` left
// external, as scripts/bundle-bench.mjs does for the reference bench), then runs it unless
// --bundle-only. On a GPU machine, ship out/ and .device-carry/ and run the bundle (README).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'bench', 'fused.ts')],
  outfile: join(out, 'bench-fused.mjs'),
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
  logLevel: 'warning',
});
const args = process.argv.slice(2);
if (args.includes('--bundle-only')) {
  console.error(`wrote ${join(out, 'bench-fused.mjs')}`);
} else {
  execFileSync(process.execPath, ['out/bench-fused.mjs', ...args], { cwd: root, stdio: 'inherit' });
}
