// Where an encoder loses its labels: a linear probe (ridge regression, @sgdiff/eval) from each
// GraphTripleConv layer's object vectors to the objects' labels, fitted on 250 val graphs and
// scored on 250 more, with the count of channels that are zero for every object (dead ReLUs).
// Usage, from the repo root after `npm run build`:
//   node experiments/layer-probe.mjs DIR [--data data/synthetic-64]
// DIR holds `encoder/`: a model directory or a training checkpoint (runs/X/checkpoints/step-N).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoader, readManifest } from '@sgdiff/datasets/node';
import { graphEdges, packForEncoder, prepareTriples, SceneGraphEncoder } from '@sgdiff/encoder';
import { linearProbe } from '@sgdiff/eval';
import { tf } from '@sgdiff/nn';
import { initBackend, loadCheckpoint } from '@sgdiff/nn/node';
import { Vocabulary } from '@sgdiff/scene-graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: 'data/synthetic-64' },
    backend: { type: 'string', default: 'wasm' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: layer-probe.mjs DIR [--data DIR]  (DIR holds encoder/)');
  process.exit(1);
}
await initBackend({ backend: values.backend, log: false });
const ckpt = await loadCheckpoint(join(positionals[0], 'encoder'));
const encoder = new SceneGraphEncoder(ckpt.meta.config);
encoder.loadWeights(ckpt.weights);
ckpt.dispose();
const vocab = Vocabulary.fromJSON((await readManifest(values.data)).vocab);
const loader = await createLoader({
  dir: values.data,
  split: 'val',
  batchSize: 500,
  epochs: 1,
  maxObjects: 8,
});
const { graphs } = await loader.next();
const b = prepareTriples(packForEncoder(graphs, vocab), encoder.config);
const labels = Array.from(b.objs);
const half = b.objToImg.findIndex((g) => g >= graphs.length / 2);

const describe = (t) => {
  const rows = t.arraySync();
  const dead = rows[0].filter((_, c) => rows.every((r) => r[c] === 0)).length;
  const probe = linearProbe(
    { features: rows.slice(0, half), labels: labels.slice(0, half) },
    { features: rows.slice(half), labels: labels.slice(half) },
    { numClasses: vocab.numObjects },
  );
  return `label probe ${probe.accuracy.toFixed(3)}, ${dead}/${rows[0].length} channels dead`;
};
const edges = graphEdges(b.subjects, b.objects, b.numObjects);
let obj = encoder.objectEmbedding.forward(tf.tensor1d(b.objs, 'int32'));
let pred = encoder.predicateEmbedding.forward(tf.tensor1d(b.predicates, 'int32'));
console.log(`${positionals[0]} (residual: ${Boolean(encoder.config.residual)})`);
console.log(`embedding: ${describe(obj)}`);
encoder.graphConv.layers.forEach((layer, i) => {
  ({ objVecs: obj, predVecs: pred } = layer.forward(obj, pred, edges));
  console.log(`layer ${i}: ${describe(obj)}`);
});
