// FID benchmark: 10k × 2048 features per set (the Inception pool width), stage by stage.
// Run: npm run bench -w @sgdiff/eval [-- --n 10000 --dim 2048 --ml-matrix]
// Sources are bundled with esbuild first, so no build of the workspace is needed.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const n = flag('n', 10000);
const dim = flag('dim', 2048);

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sgdiff-eval-bench-'));
const entry = join(dir, 'entry.ts');
const outfile = join(dir, 'bench.mjs');
await build({
  stdin: {
    contents: `export * from ${JSON.stringify(join(here, '../src/index.ts'))};
export { featuresFromRecipe } from ${JSON.stringify(join(here, '../src/testing/synthetic-features.ts'))};`,
    resolveDir: here,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile,
  // The index pulls in tfjs-core, whose CJS build calls require('util').
  banner: {
    js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
const lib = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });
void entry;

const ms = (t) => `${((performance.now() - t) / 1000).toFixed(2)} s`;
console.log(
  `FID bench: ${n} × ${dim} per set, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
);
let t = performance.now();
const a = lib.featuresFromRecipe({ n, dim, seed: 1, factors: 16 });
const b = lib.featuresFromRecipe({ n, dim, seed: 2, factors: 16, shift: 0.01 });
console.log(`  generate features          ${ms(t)} (not part of FID)`);

// Stages are timed one by one, in wall time and in this process's CPU time: on a shared machine
// the CPU time is what the single-threaded code would take with a core to itself.
const stage = async (label, fn) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `  ${label.padEnd(34)} wall ${wall.toFixed(2).padStart(7)} s   cpu ${cpu.toFixed(2).padStart(7)} s`,
  );
  return { out, wall, cpu };
};
const covMacs = (n * dim * (dim + 4)) / 2;
const sa = await stage('mean + covariance, set a', () => lib.meanAndCovariance(a, n, dim));
const sb = await stage('mean + covariance, set b', () => lib.meanAndCovariance(b, n, dim));
console.log(`    (covariance rate: ${(covMacs / sa.cpu / 1e9).toFixed(2)} GMAC/s per CPU-second)`);
const report = {};
const fd = await stage('frechetDistance (tr sqrtm etc.)', () =>
  lib.frechetDistance(sa.out.mean, sa.out.covariance, sb.out.mean, sb.out.covariance, { report }),
);
const s = (x) => `${(x / 1000).toFixed(2)} s`;
console.log(`    Cholesky of Σ1                 wall ${s(report.timings.factorMs)}`);
console.log(`    Lᵀ·Σ2·L                        wall ${s(report.timings.productMs)}`);
console.log(`    eigenvalues (tridiag + QL)     wall ${s(report.timings.eigenvaluesMs)}`);
const wall = sa.wall + sb.wall + fd.wall;
const cpu = sa.cpu + sb.cpu + fd.cpu;
console.log(
  `  total FID                          wall ${wall.toFixed(2).padStart(7)} s   cpu ${cpu.toFixed(2).padStart(7)} s  (method ${report.method}, offset ${report.offset})`,
);
console.log(`  FID = ${fd.out}`);

if (args.includes('--ml-matrix')) {
  // For comparison: one full symmetric eigendecomposition of a dim × dim covariance in ml-matrix.
  const { Matrix, EigenvalueDecomposition } = await import('ml-matrix');
  const { covariance } = await lib.meanAndCovariance(
    a.subarray(0, Math.min(n, 4 * dim) * dim),
    Math.min(n, 4 * dim),
    dim,
  );
  const m = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) m.set(i, j, covariance[i * dim + j]);
  t = performance.now();
  new EigenvalueDecomposition(m, { assumeSymmetric: true });
  console.log(`  ml-matrix EigenvalueDecomposition ${dim}² (for comparison) ${ms(t)}`);
}
