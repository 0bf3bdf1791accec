// Can the contrastive image tower see where each thing is, and so which of two things is left of
// (above) the other? A linear readout (ridge regression, dual form) from the tower's features to
// per-label position maps: for each thing label, which cell of a G×G grid holds the centre of a
// thing with that label. Fitted on the first half of N val images, read on the second half: for
// each left of / right of / above / below relation between two labels that occur once in their
// image, the centroid of each label's predicted map gives a position, and the relation is read
// right when the two positions are in the order the predicate says. Chance is 0.5.
// Two feature sets: the conv trunk's flattened grid (what the head could use) and the tower's
// output vector (what the contrastive score uses).
// Usage, from the repo root after `npm run build`:
//   node experiments/image-position-probe.mjs RUN_OR_CHECKPOINT [--n 2000] [--grid 8]
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import { imagesToTensor, MaskedContrastiveModel } from '@sgdiff/encoder';
import { tf } from '@sgdiff/nn';
import { initBackend, loadCheckpoint } from '@sgdiff/nn/node';
import { Vocabulary } from '@sgdiff/scene-graph';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: 'data/synthetic-64' },
    n: { type: 'string', default: '2000' },
    grid: { type: 'string', default: '8' },
    lambda: { type: 'string', default: '0.01,0.1,1' }, // ridge strengths, relative to mean ‖x‖²
    init: { type: 'boolean', default: false }, // the same tower untrained (fresh weights)
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: image-position-probe.mjs RUN_OR_CHECKPOINT [--n 2000] [--grid 8]');
  process.exit(1);
}
let dir = positionals[0];
if (existsSync(join(dir, 'checkpoints'))) {
  const steps = readdirSync(join(dir, 'checkpoints'))
    .filter((d) => d.startsWith('step-'))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  dir = join(dir, 'checkpoints', steps.at(-1));
}
await initBackend({ backend: values.backend, threads: Number(values.threads), log: false });
const ckpt = await loadCheckpoint(join(dir, 'pretrain'));
const model = new MaskedContrastiveModel(ckpt.meta.config);
if (!values.init) model.loadWeights(ckpt.weights);
ckpt.dispose();
model.eval();
const vocab = Vocabulary.fromJSON((await readManifest(values.data)).vocab);
const loader = await createLoader({
  dir: values.data,
  split: 'val',
  batchSize: Number(values.n),
  epochs: 1,
  maxObjects: 8,
});
const { graphs, images } = await loader.next();
const N = graphs.length;
const S = model.config.imageSize;
const G = Number(values.grid);
const L = vocab.numObjects;

// Features of every image: [N][F] for the trunk grid and for the output vector.
const tower = model.imageEncoder;
const trunkRows = [];
const outRows = [];
for (let i = 0; i < N; i += 50) {
  const n = Math.min(50, N - i);
  const [t, o] = tf.tidy(() => {
    const x = imagesToTensor(images.subarray(i * S * S * 3, (i + n) * S * S * 3), n, S, S);
    const f = tower.trunk.forward(x);
    const flat = tf.reshape(f, [n, -1]);
    return [flat.arraySync(), tower.project(flat).arraySync()];
  });
  trunkRows.push(...t);
  outRows.push(...o);
}

// Targets: [N][L·G·G] 1 where a thing of label l has its centre in cell (gy, gx).
const centre = (box) => [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
const cellOf = (v) => Math.min(G - 1, Math.floor(v * G));
const targets = graphs.map((g) => {
  const row = new Array(L * G * G).fill(0);
  for (const o of g.objects) {
    if (!o.box) continue;
    const [cx, cy] = centre(o.box);
    row[vocab.objectIndex(o.label) * G * G + cellOf(cy) * G + cellOf(cx)] = 1;
  }
  return row;
});

// Ridge in dual form (N/2 samples ≪ features): α = (K + λI)⁻¹ (Y − ȳ), K = X̃X̃ᵀ on centred X.
function fitPredict(rows, lambda) {
  const half = Math.floor(N / 2);
  const x = new Matrix(rows);
  const mean = x.subMatrix(0, half - 1, 0, x.columns - 1).mean('column');
  x.subRowVector(mean);
  const xTrain = x.subMatrix(0, half - 1, 0, x.columns - 1);
  const xTest = x.subMatrix(half, N - 1, 0, x.columns - 1);
  const y = new Matrix(targets.slice(0, half));
  const yMean = y.mean('column');
  y.subRowVector(yMean);
  const k = xTrain.mmul(xTrain.transpose());
  const scale = k.trace() / half; // λ relative to the mean squared feature norm
  for (let i = 0; i < half; i++) k.set(i, i, k.get(i, i) + lambda * scale);
  const alpha = new CholeskyDecomposition(k).solve(y);
  const pred = xTest.mmul(xTrain.transpose()).mmul(alpha);
  pred.addRowVector(yMean);
  return { pred: pred.to2DArray(), offset: half };
}

function relationAccuracy({ pred, offset }) {
  const hits = { horizontal: [0, 0], vertical: [0, 0] };
  for (let i = offset; i < N; i++) {
    const g = graphs[i];
    const count = new Map();
    for (const o of g.objects) count.set(o.label, (count.get(o.label) ?? 0) + 1);
    const label = (id) => g.objects.find((o) => o.id === id).label;
    const position = (l) => {
      const li = vocab.objectIndex(l);
      let w = 0,
        sx = 0,
        sy = 0;
      for (let c = 0; c < G * G; c++) {
        const p = Math.max(0, pred[i - offset][li * G * G + c]);
        w += p;
        sx += p * ((c % G) + 0.5);
        sy += p * (Math.floor(c / G) + 0.5);
      }
      return w > 0 ? [sx / w, sy / w] : [G / 2, G / 2];
    };
    for (const r of g.relations) {
      const [ls, lo] = [label(r.subject), label(r.object)];
      if (ls === lo || count.get(ls) > 1 || count.get(lo) > 1) continue;
      const [s, o] = [position(ls), position(lo)];
      const want = {
        'left of': [s[0] < o[0], 'horizontal'],
        'right of': [s[0] > o[0], 'horizontal'],
        above: [s[1] < o[1], 'vertical'],
        below: [s[1] > o[1], 'vertical'],
      }[r.predicate];
      if (!want) continue;
      hits[want[1]][0] += want[0] ? 1 : 0;
      hits[want[1]][1]++;
    }
  }
  return Object.entries(hits)
    .map(([k, [h, n]]) => `${k} ${(h / n).toFixed(3)} (${n})`)
    .join(', ');
}

console.log(
  `${dir}${values.init ? ' (untrained weights)' : ''}: ${N} val images, ${G}×${G} position maps`,
);
for (const lambda of values.lambda.split(',').map(Number)) {
  console.log(
    `λ ${lambda}: trunk grid (${trunkRows[0].length} features): ${relationAccuracy(fitPredict(trunkRows, lambda))}`,
  );
  console.log(
    `λ ${lambda}: tower output (${outRows[0].length} features): ${relationAccuracy(fitPredict(outRows, lambda))}`,
  );
}
