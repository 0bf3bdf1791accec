#!/usr/bin/env node
// Measures the production build: JavaScript (what the 5 MB budget counts), WASM, CSS and the
// model weights, in bytes and gzipped. Prints a table; exits 1 when the JavaScript is over budget.
//
//   node scripts/bundle-size.mjs [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** "Under 5 MB of JavaScript", in decimal megabytes. */
export const JS_BUDGET = 5_000_000;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export function measureBuild(root = dist) {
  const groups = { js: [], wasm: [], css: [], html: [], model: [], other: [] };
  for (const file of walk(root)) {
    const rel = relative(root, file);
    const ext = extname(file);
    const group = rel.startsWith('models/')
      ? 'model'
      : ext === '.js'
        ? 'js'
        : ext === '.wasm'
          ? 'wasm'
          : ext === '.css'
            ? 'css'
            : ext === '.html'
              ? 'html'
              : 'other';
    const bytes = readFileSync(file);
    groups[group].push({
      file: rel,
      bytes: bytes.length,
      gzip: group === 'model' ? bytes.length : gzipSync(bytes).length,
    });
  }
  const total = (g) => groups[g].reduce((a, f) => a + f.bytes, 0);
  const gz = (g) => groups[g].reduce((a, f) => a + f.gzip, 0);
  return {
    js: {
      bytes: total('js'),
      gzip: gz('js'),
      files: groups.js.length,
      largest: [...groups.js].sort((a, b) => b.bytes - a.bytes).slice(0, 5),
    },
    wasm: { bytes: total('wasm'), gzip: gz('wasm') },
    css: { bytes: total('css'), gzip: gz('css') },
    model: { bytes: total('model'), files: groups.model.length },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = measureBuild();
  if (process.argv.includes('--json')) console.log(JSON.stringify(m, null, 2));
  else {
    const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
    console.log(
      `JavaScript: ${mb(m.js.bytes)} in ${m.js.files} files (${mb(m.js.gzip)} gzipped); budget ${mb(JS_BUDGET)}`,
    );
    for (const f of m.js.largest) console.log(`  ${f.file}: ${(f.bytes / 1024).toFixed(0)} kB`);
    console.log(
      `WASM: ${mb(m.wasm.bytes)} (${mb(m.wasm.gzip)} gzipped), CSS: ${(m.css.bytes / 1024).toFixed(1)} kB`,
    );
    console.log(`Model weights (not counted): ${mb(m.model.bytes)} in ${m.model.files} files`);
  }
  process.exit(m.js.bytes <= JS_BUDGET ? 0 : 1);
}
