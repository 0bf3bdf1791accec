// Does a model place things by their predicate? N random pairs of things, each drawn twice with the
// same seed: once "X left of Y" and once "X right of Y" (then above / below). For each, the synthetic
// oracle finds both things or not, and the predicate their boxes give is counted. A model that
// follows the predicate gives mostly the one asked for; one that ignores it gives the same spread
// for both. Also prints how much the image changes between the two (mean |Δ| per channel).
// Usage, from the repo root after `npm run build`:
//   node experiments/predicate-swap.mjs [MODEL_DIR=models/default] [--n 48] [--oracle DIR]
import { parseArgs } from 'node:util';
import { initBackend } from '@sgdiff/nn/node';
import { loadPipeline } from '@sgdiff/diffusion/node';
import { OracleExtractor, matchGraph } from '@sgdiff/eval';
import { loadOracle } from '@sgdiff/eval/node';
import { relationFromBoxes, SYNTHETIC_THINGS } from '@sgdiff/scene-graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '48' },
    oracle: { type: 'string', default: 'models/oracle-synthetic-64' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const n = Number(values.n);
await initBackend({ backend: values.backend, log: false });
const pipe = await loadPipeline(positionals[0] ?? 'models/default');
const side = pipe.manifest.imageSize;
const oracle = new OracleExtractor(await loadOracle(values.oracle));

let state = 12345; // a fixed LCG: the same pairs on every run
const pick = (k) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % k);
const pairs = Array.from({ length: n }, () => {
  const a = SYNTHETIC_THINGS[pick(SYNTHETIC_THINGS.length)];
  let b;
  do b = SYNTHETIC_THINGS[pick(SYNTHETIC_THINGS.length)];
  while (b === a);
  return [a, b];
});
const graph = (a, predicate, b) => ({
  objects: [
    { id: 'x', label: a },
    { id: 'y', label: b },
  ],
  relations: [{ subject: 'x', predicate, object: 'y' }],
});

async function draw(predicate) {
  const graphs = pairs.map(([a, b]) => graph(a, predicate, b));
  const data = new Uint8ClampedArray(n * side * side * 4);
  for (let i = 0; i < n; i += 8) {
    const { images } = await pipe.generate(graphs.slice(i, i + 8), {
      seed: 100 + i,
      steps: 20,
      sampler: 'dpmpp-2m',
      guidance: 2,
    });
    images.forEach((im, k) => data.set(im.rgba, (i + k) * side * side * 4));
  }
  const run = await oracle.run({ data, n, side, channels: 4 });
  const gave = {};
  let both = 0;
  graphs.forEach((g, i) => {
    const d = run.predictions[i].detections;
    const [x, y] = matchGraph(g, d).assignment;
    if (x < 0 || y < 0) return;
    both++;
    const r = relationFromBoxes(d[x].box, d[y].box);
    gave[r] = (gave[r] ?? 0) + 1;
  });
  return { data, both, gave };
}

for (const [p, q] of [
  ['left of', 'right of'],
  ['above', 'below'],
]) {
  const a = await draw(p);
  const b = await draw(q);
  for (const [pred, r] of [
    [p, a],
    [q, b],
  ])
    console.log(`asked "${pred}": both found ${r.both}/${n}; boxes gave ${JSON.stringify(r.gave)}`);
  let diff = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) diff += Math.abs(a.data[i] - b.data[i]);
  console.log(
    `  same seeds, mean |Δ| per channel: ${(diff / (n * side * side * 3)).toFixed(2)}/255`,
  );
}
