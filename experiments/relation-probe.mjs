// Where a pre-trained encoder loses relations: the graph side, the image side, or the score.
// On N val pairs (default 1000), with one perturbation per kind and graph (seed 7, as
// score-encoder):
//  - graph side: cosine of global(g) and global(perturbed g), against the cosine of two different
//    graphs' globals; for the `means` global, the same for its two halves (mean object vector and
//    mean predicate vector, before the projection); the cosine of the swapped relation's own local
//    token before and after;
//  - the score: the gap score(g, img) − score(perturbed g, img) against the spread of score(g', img)
//    over the other graphs g' (how small a swap's change is next to an unrelated graph's);
//  - the loss: the logit scale (1 / temperature) reached, and for each kind how much of the
//    positive's softmax weight its hard negative gets, exp(−scale · gap), in the image → graph row;
//  - image side: cosine of img(x) and img(x mirrored left–right), against two different images;
//    and for graphs with a left/right relation, how often score(g, x) > score(g, mirrored x).
// Usage, from the repo root after `npm run build`:
//   node experiments/relation-probe.mjs RUN_OR_CHECKPOINT [--data data/synthetic-64] [--n 1000]
// RUN_OR_CHECKPOINT: a pretrain run folder (its latest checkpoint) or runs/X/checkpoints/step-N.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import {
  embedGraphs,
  embedImages,
  graphEdges,
  MaskedContrastiveModel,
  packForEncoder,
  prepareTriples,
  randomPerturbation,
  Rng,
} from '@sgdiff/encoder';
import { tf } from '@sgdiff/nn';
import { initBackend, loadCheckpoint } from '@sgdiff/nn/node';
import { Vocabulary } from '@sgdiff/scene-graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: 'data/synthetic-64' },
    n: { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: relation-probe.mjs RUN_OR_CHECKPOINT [--data DIR] [--n 1000]');
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
model.loadWeights(ckpt.weights);
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
const C = model.config.encoder.tokenDim;
const S = model.config.imageSize;

const dot = (a, i, b, j, d = C) => {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
};
const unit = (x, d) => {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length / d; i++) {
    const n = Math.sqrt(dot(x, i, x, i, d)) || 1;
    for (let k = 0; k < d; k++) out[i * d + k] = x[i * d + k] / n;
  }
  return out;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const f3 = (x) => x.toFixed(3);
const f5 = (x) => x.toFixed(5);

// The two halves of the `means` global, before the projection. graphs → [N, 2D] unit halves.
function meanHalves(gs) {
  const enc = model.encoder;
  const D = enc.config.dim;
  const b = prepareTriples(packForEncoder(gs, vocab), enc.config);
  const edges = graphEdges(b.subjects, b.objects, b.numObjects);
  const [obj, pred] = tf.tidy(() => {
    const o = enc.objectEmbedding.forward(tf.tensor1d(b.objs, 'int32'));
    const p = enc.predicateEmbedding.forward(tf.tensor1d(b.predicates, 'int32'));
    const conv = enc.graphConv.forward(o, p, edges);
    const segMean = (x, ids) =>
      tf.div(
        tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), gs.length),
        tf.maximum(tf.unsortedSegmentSum(tf.onesLike(x), tf.tensor1d(ids, 'int32'), gs.length), 1),
      );
    return [
      segMean(conv.objVecs, b.objToImg).dataSync(),
      segMean(conv.predVecs, b.tripleToImg).dataSync(),
    ];
  });
  tf.dispose([edges.subjects, edges.objects, edges.endpoints, edges.invDegree]);
  return { obj: unit(obj, D), pred: unit(pred, D), D };
}

function localTokens(gs) {
  const out = [];
  for (let i = 0; i < gs.length; i += 64) {
    const enc = model.encoder.encodeGraphs(gs.slice(i, i + 64), vocab);
    out.push(...enc.local.arraySync());
    tf.dispose([enc.local, enc.localMask, enc.global]);
  }
  return out; // [N][K][C]
}
const cos = (a, b) => {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
};

console.log(
  `${dir}: ${N} val pairs, global pooling "${model.config.encoder.globalPooling ?? 'means'}"`,
);
const g = embedGraphs(model, graphs, vocab);
const im = embedImages(model, images, N);
const other = (i) => (i + 1) % N;
const baseGlobal = mean(graphs.map((_, i) => dot(g, i, g, other(i))));
const scoreSpread = mean(
  graphs.map((_, i) => {
    const s = graphs.map((_, j) => dot(g, j, im, i));
    const m = mean(s);
    return Math.sqrt(mean(s.map((x) => (x - m) ** 2)));
  }),
);
const halves =
  model.config.encoder.globalPooling === undefined ||
  model.config.encoder.globalPooling === 'means';
const H0 = halves ? meanHalves(graphs) : null;
console.log(
  `different graphs: global cos ${f3(baseGlobal)}` +
    (H0
      ? `, obj-mean cos ${f3(mean(graphs.map((_, i) => dot(H0.obj, i, H0.obj, other(i), H0.D))))}, pred-mean cos ${f3(mean(graphs.map((_, i) => dot(H0.pred, i, H0.pred, other(i), H0.D))))}`
      : ''),
);
console.log(`score spread over other graphs (std of score(g', img)): ${f5(scoreSpread)}`);
const logitScale = model.logitScale.forward().dataSync()[0];
console.log(`logit scale ${logitScale.toFixed(2)} (temperature ${(1 / logitScale).toFixed(4)})`);
const L0 = localTokens(graphs);
const rng = new Rng(7);
for (const kind of ['swap', 'invert', 'relabel']) {
  const idx = [];
  const ps = [];
  const rel = [];
  graphs.forEach((gr, i) => {
    const p = randomPerturbation(gr, kind, rng, vocab.objectNames);
    if (p) {
      idx.push(i);
      ps.push(p.graph);
      rel.push(p.relation ?? -1);
    }
  });
  const pg = embedGraphs(model, ps, vocab);
  const cg = idx.map((i, j) => dot(g, i, pg, j));
  const gap = idx.map((i, j) => dot(g, i, im, i) - dot(pg, j, im, i));
  let line = `${kind} (${idx.length}): global cos mean ${f5(mean(cg))} median ${f5(median(cg))}, identical (>0.99999) ${f3(mean(cg.map((c) => (c > 0.99999 ? 1 : 0))))}; |gap| ${f5(mean(gap.map(Math.abs)))} (${f3(mean(gap.map(Math.abs)) / scoreSpread)} × spread), discrimination ${f3(mean(gap.map((x) => (x > 0 ? 1 : 0))))}, hard/positive softmax weight ${f3(mean(gap.map((x) => Math.exp(-logitScale * x))))}`;
  if (H0) {
    const H1 = meanHalves(ps);
    line += `; obj-mean cos ${f5(mean(idx.map((i, j) => dot(H0.obj, i, H1.obj, j, H0.D))))}, pred-mean cos ${f5(mean(idx.map((i, j) => dot(H0.pred, i, H1.pred, j, H0.D))))}`;
  }
  if (kind !== 'relabel') {
    const L1 = localTokens(ps);
    const tc = idx
      .map((i, j) =>
        rel[j] < model.config.encoder.tokens ? cos(L0[i][rel[j]], L1[j][rel[j]]) : null,
      )
      .filter((x) => x !== null);
    line += `; its local token cos ${f3(mean(tc))}`;
  }
  console.log(line);
}

// Image side: the same images mirrored left–right.
const px = S * S * 3;
const mirrored = new Uint8Array(images.length);
for (let n = 0; n < N; n++)
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++)
      for (let c = 0; c < 3; c++)
        mirrored[n * px + (y * S + x) * 3 + c] = images[n * px + (y * S + (S - 1 - x)) * 3 + c];
const imM = embedImages(model, mirrored, N);
const baseImage = mean(graphs.map((_, i) => dot(im, i, im, other(i))));
console.log(
  `image cos: with its mirror ${f3(mean(graphs.map((_, i) => dot(im, i, imM, i))))}, two different images ${f3(baseImage)}`,
);
const lr = graphs.flatMap((gr, i) =>
  gr.relations.some((r) => r.predicate === 'left of' || r.predicate === 'right of') ? [i] : [],
);
console.log(
  `graphs with a left/right relation (${lr.length}): score(g, x) > score(g, mirrored x) ${f3(mean(lr.map((i) => (dot(g, i, im, i) > dot(g, i, imM, i) ? 1 : 0))))}`,
);
