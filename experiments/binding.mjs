// What a model draws where it misses a thing of a synthetic graph. The synthetic oracle finds the
// things of each generated image; every thing of the graph it does not find is put in one class by
// what else, unclaimed by the graph, is in the image: the right shape in the colour of another thing
// of the graph (attributes bound to the wrong object), the right shape in a colour not in the graph,
// the right colour in another thing's shape, …, or nothing. Also prints recall of things by how many
// things the graph has.
// Usage, from the repo root after `npm run build`, on the images of an `sgdiff eval` report:
//   node experiments/binding.mjs REPORT/samples/guidance-2 [--n 200] [--data data/synthetic-64]
//     [--split test] [--oracle models/oracle-synthetic-64]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { initBackend } from '@sgdiff/nn/node';
import { createLoader } from '@sgdiff/datasets/node';
import { OracleExtractor, matchGraph } from '@sgdiff/eval';
import { loadOracle } from '@sgdiff/eval/node';
import { SYNTHETIC_STUFF } from '@sgdiff/scene-graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '200' },
    data: { type: 'string', default: 'data/synthetic-64' },
    split: { type: 'string', default: 'test' },
    oracle: { type: 'string', default: 'models/oracle-synthetic-64' },
    backend: { type: 'string', default: 'wasm' },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: binding.mjs SAMPLE_DIR [--n 200] [--data DIR] [--split NAME] [--oracle DIR]',
  );
  process.exit(1);
}
const dir = positionals[0];
const n = Number(values.n);
await initBackend({ backend: values.backend, log: false });
const loader = await createLoader({
  dir: values.data,
  split: values.split,
  batchSize: n,
  epochs: 1,
  maxObjects: 8,
});
const { graphs } = await loader.next();
const first = PNG.sync.read(readFileSync(join(dir, '00000.png')));
const side = first.width;
const data = new Uint8ClampedArray(n * side * side * 4);
for (let i = 0; i < n; i++) {
  const png = PNG.sync.read(readFileSync(join(dir, `${String(i).padStart(5, '0')}.png`)));
  data.set(png.data, i * side * side * 4);
}
const oracle = new OracleExtractor(await loadOracle(values.oracle));
const { predictions } = await oracle.run({ data, n, side, channels: 4 });

const stuff = new Set(SYNTHETIC_STUFF);
const split = (label) => label.split(' '); // synthetic things are "colour shape"
const kinds = {};
const byCount = {};
let things = 0;
let missed = 0;
for (let i = 0; i < n; i++) {
  const g = graphs[i];
  const found = predictions[i].detections;
  const { assignment } = matchGraph(g, found);
  const claimed = new Set(assignment.filter((a) => a >= 0));
  const own = g.objects.map((o, j) => [o, j]).filter(([o]) => !stuff.has(o.label));
  const colours = new Set(own.map(([o]) => split(o.label)[0]));
  const shapes = new Set(own.map(([o]) => split(o.label)[1]));
  const row = (byCount[own.length] ??= { graphs: 0, things: 0, found: 0 });
  row.graphs++;
  for (const [o, j] of own) {
    things++;
    row.things++;
    if (assignment[j] >= 0) {
      row.found++;
      continue;
    }
    missed++;
    const [c, s] = split(o.label);
    const free = found
      .filter((d, q) => !claimed.has(q) && !stuff.has(d.label))
      .map((d) => split(d.label));
    const has = (f) => free.some(([fc, fs]) => f(fc, fs));
    const kind = has((fc, fs) => fs === s && fc !== c && colours.has(fc))
      ? 'right shape, colour of another thing of the graph'
      : has((fc, fs) => fs === s && fc !== c)
        ? 'right shape, colour not in the graph'
        : has((fc, fs) => fc === c && fs !== s && shapes.has(fs))
          ? 'right colour, shape of another thing of the graph'
          : has((fc, fs) => fc === c && fs !== s)
            ? 'right colour, shape not in the graph'
            : free.length
              ? 'only other things'
              : 'nothing unclaimed';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
}
const pct = (a, b) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(`${n} images: things ${things}, missed ${missed} (${pct(missed, things)})`);
for (const [k, v] of Object.entries(kinds).sort((a, b) => b[1] - a[1]))
  console.log(`  ${k}: ${v} (${pct(v, missed)} of misses)`);
console.log('recall of things by things per graph:');
for (const [k, v] of Object.entries(byCount))
  console.log(`  ${k}: ${v.graphs} graphs, ${v.things} things, ${pct(v.found, v.things)} found`);
