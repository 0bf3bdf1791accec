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
  logLevel: 'warning',
});
const lib = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });
void entry;

const ms = (t) => `${((performance.now() - t) / 1000).toFixed(2)} s`;
console.log(`FID bench: ${n} × ${dim} per set, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
let t = performance.now();
const a = lib.featuresFromRecipe({ n, dim, seed: 1, factors: 16 });
const b = lib.featuresFromRecipe({ n, dim, seed: 2, factors: 16, shift: 0.01 });
console.log(`  generate features          ${ms(t)} (not part of FID)`);

const report = {};
t = performance.now();
const fid = await lib.computeFid(a, b, dim, { report });
const total = performance.now() - t;
const s = (x) => `${(x / 1000).toFixed(2)} s`;
const gmac = (macs, msTaken) => `${(macs / msTaken / 1e6).toFixed(2)} GMAC/s`;
const covMacs = (n * dim * (dim + 4)) / 2;
console.log(`  mean + covariance, set a   ${s(report.stages.statsMs[0])} (${gmac(covMacs, report.stages.statsMs[0])})`);
console.log(`  mean + covariance, set b   ${s(report.stages.statsMs[1])} (${gmac(covMacs, report.stages.statsMs[1])})`);
console.log(`  tr sqrtm(Σ1Σ2):            ${s(report.stages.traceSqrtMs)}`);
console.log(`    Cholesky of Σ1           ${s(report.timings.factorMs)}`);
console.log(`    Lᵀ·Σ2·L                  ${s(report.timings.productMs)}`);
console.log(`    eigenvalues (tridiag+QL) ${s(report.timings.eigenvaluesMs)}`);
console.log(`  total computeFid           ${s(total)}  (method ${report.method}, offset ${report.offset}, regularised ${report.regularised})`);
console.log(`  FID = ${fid}`);

if (args.includes('--ml-matrix')) {
  // For comparison: one full symmetric eigendecomposition of a dim × dim covariance in ml-matrix.
  const { Matrix, EigenvalueDecomposition } = await import('ml-matrix');
  const { covariance } = await lib.meanAndCovariance(a.subarray(0, Math.min(n, 4 * dim) * dim), Math.min(n, 4 * dim), dim);
  const m = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) m.set(i, j, covariance[i * dim + j]);
  t = performance.now();
  new EigenvalueDecomposition(m, { assumeSymmetric: true });
  console.log(`  ml-matrix EigenvalueDecomposition ${dim}² (for comparison) ${ms(t)}`);
}
