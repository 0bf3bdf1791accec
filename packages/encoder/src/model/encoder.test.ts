import { tf } from '@sgdiff/nn';
import { packGraphs, syntheticVocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { graphA, graphB } from '../testing/graphs.js';
import { EncoderError } from '../errors.js';
import { encoderConfig } from './config.js';
import { disposeEncoding, SceneGraphEncoder } from './encoder.js';

const vocab = syntheticVocabulary();

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function expectClose(a: number[], b: number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))));
  expect(worst).toBeLessThan(tol);
}

describe('SceneGraphEncoder', () => {
  const config = encoderConfig(vocab, 'tiny'); // tokens K = 6
  let encoder: SceneGraphEncoder;
  beforeAll(() => {
    encoder = new SceneGraphEncoder(config);
  });
  afterAll(() => encoder.dispose());

  it('gives K local tokens per graph, real relations first, then __in_image__, then padding', async () => {
    const enc = encoder.encodeGraphs([graphA, graphB], vocab);
    expect(enc.local.shape).toEqual([2, 6, config.tokenDim]);
    expect(enc.localMask.shape).toEqual([2, 6]);
    expect(enc.global.shape).toEqual([2, config.tokenDim]);
    // A: 2 relations + 3 in-image = 5 real; B: 1 + 2 = 3 real.
    expect(await values(enc.localMask)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0]);
    const tokens = (await enc.local.array()) as number[][][];
    expect(tokens[1][4].every((v) => v === 0)).toBe(true);
    // Cutting keeps relations first: with K = 2, graph A's two tokens are its two relations.
    const cut = new SceneGraphEncoder({ ...config, tokens: 2 });
    cut.loadWeights(encoder.parameters());
    const encCut = cut.encodeGraphs([graphA], vocab);
    const full = (await enc.local.array()) as number[][][];
    expectClose(
      ((await encCut.local.array()) as number[][][])[0].flat(),
      full[0].slice(0, 2).flat(),
    );
    disposeEncoding(enc);
    disposeEncoding(encCut);
    cut.dispose();
  });

  it('encodes each graph independently of the rest of the batch', async () => {
    const alone = encoder.encodeGraphs([graphB], vocab);
    const batched = encoder.encodeGraphs([graphA, graphB], vocab);
    const aloneTokens = await values(alone.local);
    const batchedTokens = await values(batched.local);
    expectClose(batchedTokens.slice(aloneTokens.length), aloneTokens);
    expectClose((await values(batched.global)).slice(config.tokenDim), await values(alone.global));
    disposeEncoding(alone);
    disposeEncoding(batched);
  });

  it('leaves the global token unchanged when objects are listed in another order', async () => {
    const shuffled: SceneGraph = {
      objects: [graphA.objects[2], graphA.objects[0], graphA.objects[1]],
      relations: graphA.relations,
    };
    const reversedRelations: SceneGraph = {
      ...shuffled,
      relations: [...graphA.relations].reverse(),
    };
    const enc = encoder.encodeGraphs([graphA, shuffled, reversedRelations], vocab);
    const g = (await enc.global.array()) as number[][];
    expectClose(g[1], g[0]);
    expectClose(g[2], g[0]);
    // The relation tokens do not depend on object order either (only on relation order).
    const t = (await enc.local.array()) as number[][][];
    expectClose(t[1].slice(0, 2).flat(), t[0].slice(0, 2).flat());
    disposeEncoding(enc);
  });

  it('lets relations change the encoding, unlike the bag-of-objects ablation', async () => {
    const swapped: SceneGraph = {
      ...graphA,
      relations: [{ subject: 'b', predicate: 'left of', object: 'a' }, graphA.relations[1]],
    };
    const bag = new SceneGraphEncoder({ ...config, useRelations: false });
    const [full, noEdges] = [encoder, bag].map((m) => m.encodeGraphs([graphA, swapped], vocab));
    const gFull = (await full.global.array()) as number[][];
    const gBag = (await noEdges.global.array()) as number[][];
    expect(Math.max(...gFull[0].map((v, i) => Math.abs(v - gFull[1][i])))).toBeGreaterThan(1e-4);
    expectClose(gBag[1], gBag[0]);
    // Without relations, graph A has only its three __in_image__ tokens.
    expect(await values(noEdges.localMask)).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
    disposeEncoding(full);
    disposeEncoding(noEdges);
    bag.dispose();
  });

  it('adds a box embedding only where a box is given', async () => {
    const boxed = new SceneGraphEncoder({ ...config, useBoxes: true });
    const withBox: SceneGraph = {
      ...graphB,
      objects: [{ ...graphB.objects[0], box: [0.1, 0.1, 0.3, 0.3] }, graphB.objects[1]],
    };
    const moved: SceneGraph = {
      ...graphB,
      objects: [{ ...graphB.objects[0], box: [0.6, 0.6, 0.9, 0.9] }, graphB.objects[1]],
    };
    const enc = boxed.encodeGraphs([withBox, moved, graphB], vocab);
    const g = (await enc.global.array()) as number[][];
    expect(Math.max(...g[0].map((v, i) => Math.abs(v - g[1][i])))).toBeGreaterThan(1e-4);
    disposeEncoding(enc);
    boxed.dispose();
  });

  it("gives label tokens: each slot's triple as its input label embeddings, padding zero", async () => {
    const plain = encoder.encodeGraphs([graphA, graphB], vocab);
    expect(plain.labelTokens).toBeUndefined();
    disposeEncoding(plain);
    const enc = encoder.encodeGraphs([graphA, graphB], vocab, { labelTokens: true });
    const D = config.dim;
    expect(enc.labelTokens!.shape).toEqual([2, 6, 3 * D]);
    const got = (await enc.labelTokens!.array()) as number[][][];
    const obj = (await encoder.objectEmbedding.weight.array()) as number[][];
    const pred = (await encoder.predicateEmbedding.weight.array()) as number[][];
    const triple = (s: string, p: string, o: string) => [
      ...obj[vocab.objectIndex(s)],
      ...pred[vocab.predicateIndex(p)],
      ...obj[vocab.objectIndex(o)],
    ];
    // Real relations come first in their slots.
    expectClose(got[0][0], triple('red circle', 'left of', 'blue square'));
    expectClose(got[0][1], triple('blue square', 'above', 'grass'));
    expectClose(got[1][0], triple('yellow triangle', 'inside', 'sky'));
    // Graph B: 1 relation + 2 __in_image__ triples, then padding.
    const mask = (await enc.localMask.array()) as number[][];
    expect(mask[1]).toEqual([1, 1, 1, 0, 0, 0]);
    for (const k of [3, 4, 5]) expect(got[1][k].every((v) => v === 0)).toBe(true);
    // Label tokens do not change the graph tokens.
    const again = encoder.encodeGraphs([graphA, graphB], vocab);
    expectClose(await values(enc.local), await values(again.local));
    disposeEncoding(again);
    const before = tf.memory().numTensors;
    disposeEncoding(enc);
    expect(tf.memory().numTensors).toBe(before - 4);
  });

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) disposeEncoding(encoder.encodeGraphs([graphA, graphB], vocab));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects labels outside its vocabulary, empty graphs and empty batches with EncoderError', () => {
    const small = new SceneGraphEncoder({ ...config, numObjects: 5 });
    const packed = packGraphs([graphA], vocab);
    expect(() => small.forward(packed)).toThrow(EncoderError);
    expect(() => small.forward(packed)).toThrow(/outside the model's vocabulary of 5 objects/);
    small.dispose();
    const noPreds = new SceneGraphEncoder({ ...config, numPredicates: 2 });
    expect(() => noPreds.forward(packed)).toThrow(
      /predicate label \d+ .* outside the model's vocabulary of 2 predicates/,
    );
    noPreds.dispose();
    expect(() => encoder.encodeGraphs([graphA, { objects: [], relations: [] }], vocab)).toThrow(
      /graph 1 is empty/,
    );
    expect(() =>
      encoder.forward(packGraphs([graphA, { objects: [], relations: [] }], vocab)),
    ).toThrow(/graph 1 is empty/);
    expect(() => encoder.encodeGraphs([], vocab)).toThrow(EncoderError);
    const unknown: SceneGraph = { objects: [{ id: 'u', label: 'unicorn' }], relations: [] };
    let error: unknown;
    try {
      encoder.encodeGraphs([unknown], vocab);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as Error).name).toBe('EncoderError');
    expect((error as Error).message).toMatch(/unicorn/);
  });
});

describe('SceneGraphEncoder at init', () => {
  it('gives every label its own token (the graph conv keeps the signal: He-normal, as sg2im)', () => {
    // With PyTorch's default Linear init the 4 graph-conv layers drowned the labels in their
    // biases: all 378 label pairs had cosine > 0.99 (measured; mean 1.000).
    const encoder = new SceneGraphEncoder(encoderConfig(vocab, 'synthetic'));
    const labels = vocab.objectNames;
    const graphs = labels.map((label) => ({ objects: [{ id: 'a', label }], relations: [] }));
    const enc = encoder.forward(packGraphs(graphs, vocab));
    const tokens = tf.tidy(() => {
      const first = tf.squeeze(tf.slice(enc.local, [0, 0, 0], [-1, 1, -1]), [1]);
      return tf.div(first, tf.norm(first, 2, 1, true));
    });
    const cos = tf.matMul(tokens, tokens, false, true);
    const c = cos.arraySync() as number[][];
    let close = 0;
    let sum = 0;
    const pairs = (labels.length * (labels.length - 1)) / 2;
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        sum += c[i][j];
        if (c[i][j] > 0.99) close++;
      }
    // Unseeded draws give 0-3 close pairs and mean cosine 0.955-0.974 (12 draws measured).
    expect(close).toBeLessThan(0.05 * pairs);
    expect(sum / pairs).toBeLessThan(0.985);
    tf.dispose([tokens, cos]);
    disposeEncoding(enc);
    encoder.dispose();
  });
});
