// npm run bench: bundle, then run the reference-block benchmark (JSON lines on stdout).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/bundle-bench.mjs'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, ['out/bench.mjs', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
