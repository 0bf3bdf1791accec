import { tf } from '@sgdiff/nn';
import { syntheticVocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { encoderConfig } from '../model/config.js';
import { graphA, graphB } from '../testing/graphs.js';
import { disposeEncoding, SceneGraphEncoder } from '../model/encoder.js';
import { tokenLabels } from './token-labels.js';

const vocab = syntheticVocabulary();
const graphs: SceneGraph[] = [graphA, graphB];

describe('tokenLabels', () => {
  let encoder: SceneGraphEncoder;
  beforeAll(() => {
    encoder = new SceneGraphEncoder(encoderConfig(vocab, 'tiny'));
  });
  afterAll(() => encoder.dispose());

  it('labels each real token with its triple, in (graph, slot) order', async () => {
    const r = tokenLabels(encoder, graphs, vocab);
    const name = (i: number) => vocab.objectName(i);
    expect(r.subjects.map(name)).toEqual([
      'red circle', 'blue square', 'red circle', 'blue square', 'grass', // graph 0
      'yellow triangle', 'yellow triangle', 'sky', // graph 1
    ]); // prettier-ignore
    expect(r.objects.map(name)).toEqual([
      'blue square', 'grass', '__image__', '__image__', '__image__',
      'sky', '__image__', '__image__',
    ]); // prettier-ignore
    expect(r.predicates.map((p) => vocab.predicateName(p))).toEqual([
      'left of', 'above', '__in_image__', '__in_image__', '__in_image__',
      'inside', '__in_image__', '__in_image__',
    ]); // prettier-ignore
    expect(r.inImage).toEqual([false, false, true, true, true, false, true, true]);
    // The tokens are the encoder's real local rows.
    const enc = encoder.encodeGraphs(graphs, vocab);
    const local = (await enc.local.array()) as number[][][];
    disposeEncoding(enc);
    expect(r.tokens).toEqual([...local[0]!.slice(0, 5), ...local[1]!.slice(0, 3)]);
  });

  it('does not leak tensors', () => {
    tokenLabels(encoder, graphs, vocab); // warm-up
    const before = tf.memory().numTensors;
    tokenLabels(encoder, graphs, vocab);
    expect(tf.memory().numTensors).toBe(before);
  });
});
