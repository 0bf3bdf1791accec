// npm run bench:fused: bundles the benches (scripts/bundle-bench.mjs: out/bench-fused.mjs is one
// file, `webgpu` left external), then runs bench/fused.ts's bundle unless --bundle-only. On a GPU
// machine, ship out/ and .device-carry/ and run the bundle (README).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import './bundle-bench.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'out');
const args = process.argv.slice(2);
if (args.includes('--bundle-only')) {
  console.error(`wrote ${join(out, 'bench-fused.mjs')}`);
} else {
  execFileSync(process.execPath, ['out/bench-fused.mjs', ...args], { cwd: root, stdio: 'inherit' });
}
