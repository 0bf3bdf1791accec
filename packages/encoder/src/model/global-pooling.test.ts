import { tf } from '@sgdiff/nn';
import { syntheticVocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { graphA, graphB } from '../testing/graphs.js';
import { encoderConfig } from './config.js';
import { disposeEncoding, SceneGraphEncoder } from './encoder.js';
import { TriplePool } from './global-pooling.js';

const vocab = syntheticVocabulary();

function expectClose(a: number[], b: number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))));
  expect(worst).toBeLessThan(tol);
}

/** Makes the per-token MLP add `bias` to every token (its last layer's weights are zero). */
function constantMlp(pool: TriplePool, bias: number[]): void {
  pool.tokenMlp.fc2.weight.assign(tf.zerosLike(pool.tokenMlp.fc2.weight));
  pool.tokenMlp.fc2.bias!.assign(tf.tensor1d(bias));
}

const identity2 = () => tf.tensor2d([1, 0, 0, 1], [2, 2]);

describe('TriplePool', () => {
  it('triple-mean: the masked mean of MLP(token) + token, projected (hand-computed)', () => {
    const pool = new TriplePool('triple-mean', 2);
    constantMlp(pool, [1, -1]);
    pool.projection!.weight.assign(identity2());
    pool.projection!.bias!.assign(tf.zeros([2]));
    // Graph 0: tokens (1, 2), (3, 4), padding; graph 1: (5, 7), padding, padding.
    const local = tf.tensor3d([1, 2, 3, 4, 0, 0, 5, 7, 0, 0, 0, 0], [2, 3, 2]);
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]);
    const out = pool.forward(local, mask);
    // ((1, 2) + (3, 4)) / 2 + (1, −1) = (3, 2); (5, 7) + (1, −1) = (6, 6). Padding, which the
    // MLP's bias would have moved to (1, −1), is left out.
    expectClose(Array.from(out.dataSync()), [3, 2, 6, 6]);
    tf.dispose([local, mask, out]);
    pool.dispose();
  });

  it('triple-attention: a learned query attends to the real tokens only (hand-computed)', () => {
    const pool = new TriplePool('triple-attention', 2, 1);
    constantMlp(pool, [0, 0]);
    const attn = pool.attention!;
    for (const l of [attn.q, attn.k, attn.v, attn.out]) {
      l.weight.assign(identity2());
      l.bias!.assign(tf.zeros([2]));
    }
    pool.query!.assign(tf.tensor2d([1, 0], [1, 2]));
    // Tokens (2, 0) and (0, 0) are real, (5, 5) is padding.
    const local = tf.tensor3d([2, 0, 0, 0, 5, 5], [1, 3, 2]);
    const mask = tf.tensor2d([1, 1, 0], [1, 3]);
    const out = pool.forward(local, mask);
    // Logits q·k/√2: √2 and 0; weights e^√2 / (e^√2 + 1) = 0.804430 and 0.195570;
    // out = 0.804430 · (2, 0) + 0.195570 · (0, 0) = (1.608860, 0).
    expectClose(Array.from(out.dataSync()), [1.60886, 0]);
    tf.dispose([local, mask, out]);
    pool.dispose();
  });
});

describe('SceneGraphEncoder global pooling', () => {
  const base = encoderConfig(vocab, 'tiny');

  it('keeps the means global and its parameter names for configs without the field', () => {
    const old = new SceneGraphEncoder(base);
    const names = [...old.parameters().keys()];
    expect(names).toContain('globalProjection.weight');
    expect(names.some((n) => n.startsWith('globalPool.'))).toBe(false);
    const pooled = new SceneGraphEncoder({ ...base, globalPooling: 'triple-attention' });
    const pooledNames = [...pooled.parameters().keys()];
    expect(pooledNames).not.toContain('globalProjection.weight');
    expect(pooledNames).toContain('globalPool.query');
    // Everything before the global token is shared, so an old encoder's weights load into it.
    const shared = names.filter((n) => !n.startsWith('globalProjection.'));
    expect(shared.every((n) => pooledNames.includes(n))).toBe(true);
    old.dispose();
    pooled.dispose();
  });

  for (const globalPooling of ['triple-mean', 'triple-attention'] as const) {
    it(`${globalPooling}: the global is a set function of the triples, and a swap moves it`, () => {
      const encoder = new SceneGraphEncoder({ ...base, globalPooling });
      const reordered: SceneGraph = { ...graphA, relations: [...graphA.relations].reverse() };
      const swapped: SceneGraph = {
        ...graphA,
        relations: [{ subject: 'b', predicate: 'left of', object: 'a' }, graphA.relations[1]],
      };
      const before = tf.memory().numTensors;
      const enc = encoder.encodeGraphs([graphA, reordered, swapped, graphB], vocab);
      const g = enc.global.arraySync() as number[][];
      expect(enc.global.shape).toEqual([4, base.tokenDim]);
      expectClose(g[1], g[0]);
      expect(Math.max(...g[2].map((v, i) => Math.abs(v - g[0][i])))).toBeGreaterThan(1e-4);
      disposeEncoding(enc);
      expect(tf.memory().numTensors).toBe(before);
      encoder.dispose();
    });
  }
});
