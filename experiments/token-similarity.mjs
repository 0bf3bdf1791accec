// How far apart a model's encoder keeps object labels: each label alone in a graph, its triple
// token compared with every other label's (cosine), raw from the encoder and as the UNet's
// cross-attention sees it (after the denoiser's context projection and norm). Two labels whose
// tokens are nearly parallel (cos > 0.99) differ, if at all, by their norms (printed as a ratio),
// which a LayerNorm'd context erases.
// Usage, from the repo root after `npm run build`:
//   node experiments/token-similarity.mjs [MODEL_DIR=models/default] [--labels "sky,sand,..."]
import { parseArgs } from 'node:util';
import { initBackend } from '@sgdiff/nn/node';
import { loadPipeline } from '@sgdiff/diffusion/node';
import { packGraphs } from '@sgdiff/scene-graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { labels: { type: 'string' }, backend: { type: 'string', default: 'wasm' } },
});
const dir = positionals[0] ?? 'models/default';
await initBackend({ backend: values.backend, log: false });
const pipe = await loadPipeline(dir);
const names = pipe.vocab.objectNames.filter((n) => !n.startsWith('__'));
const labels = values.labels ? values.labels.split(',').map((s) => s.trim()) : names;
for (const l of labels) {
  if (!names.includes(l)) {
    console.error(`token-similarity: "${l}" is not an object label of ${dir}`);
    process.exit(1);
  }
}
const graphs = labels.map((label) => ({ objects: [{ id: 'a', label }], relations: [] }));
const tokens = pipe.encoder.forward(packGraphs(graphs, pipe.vocab), pipe.denoiser.tokenOptions);
const cond = pipe.denoiser.condition(tokens);
const first = (t) => t.arraySync().map((g) => g[0]); // the object's own triple token

const cos = (a, b) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
};
const norm = (a) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const width = Math.max(...labels.map((l) => l.length));
for (const [title, rows] of [
  ['encoder token', first(tokens.local)],
  ['UNet context token', first(cond.context)],
]) {
  const pairs = [];
  console.log(`\n${title}: cosine between labels`);
  console.log(' '.repeat(width), labels.map((_, j) => String(j).padStart(6)).join(''));
  rows.forEach((r, i) => {
    const c = rows.map((s) => cos(r, s));
    c.forEach((v, j) => j > i && pairs.push([v, labels[i], labels[j], norm(r) / norm(rows[j])]));
    console.log(
      `${labels[i].padEnd(width)} ${c.map((v) => v.toFixed(3).padStart(6)).join('')}  ${i}`,
    );
  });
  const close = pairs.filter(([v]) => v > 0.99).sort((a, b) => b[0] - a[0]);
  console.log(
    `${close.length} of ${pairs.length} label pairs with cos > 0.99${close.length ? ': ' : ''}${close
      .slice(0, 8)
      .map(([v, a, b, ratio]) => `${a} ~ ${b} ${v.toFixed(4)} (norms ×${ratio.toFixed(2)})`)
      .join(', ')}`,
  );
}
