// npm run bench:kernels: bundle, then run the kernel microbenchmark (JSON lines on stdout).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/bundle-bench.mjs'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, ['out/bench-kernels.mjs', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
