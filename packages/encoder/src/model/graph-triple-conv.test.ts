import { Linear, tf } from '@sgdiff/nn';
import {
  averageOntoNodes,
  disposeEdges,
  graphEdges,
  GraphTripleConv,
} from './graph-triple-conv.js';

function setLinear(l: Linear, w: number[][], b?: number[]): void {
  l.weight.assign(tf.tensor2d(w));
  if (l.bias) l.bias.assign(b ? tf.tensor1d(b) : tf.zerosLike(l.bias));
}

describe('averageOntoNodes', () => {
  it('sums subject and object candidates per node and divides by degree (hand-computed)', async () => {
    // 3 nodes, triples (0→1), (0→2), (2→2): degrees 2, 1, 3.
    const edges = graphEdges(Int32Array.from([0, 0, 2]), Int32Array.from([1, 2, 2]), 4);
    const newS = tf.tensor2d([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    const newO = tf.tensor2d([
      [100, 1],
      [200, 2],
      [300, 3],
    ]);
    const pooled = averageOntoNodes(newS, newO, edges);
    // node 0: (s1 + s2)/2 = [1.5, 15]; node 1: o1 = [100, 1];
    // node 2: (s3 + o2 + o3)/3 = [(3+200+300)/3, (30+2+3)/3]; node 3: no edges → 0.
    const expected = [1.5, 15, 100, 1, 503 / 3, 35 / 3, 0, 0];
    const got = Array.from(await pooled.data());
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    tf.dispose([newS, newO, pooled]);
    disposeEdges(edges);
  });
});

describe('GraphTripleConv', () => {
  it.each([false, true])(
    'matches a hand-computed layer with identity-like weights (residual %s)',
    async (residual) => {
      // D = 1, H = 1. net1: [s, p, o] → relu(s + p + o) → relu([1, 2, 3]·h) = new_s, new_p, new_o.
      // net2: pooled → relu(pooled) → relu(2·x). A residual layer adds its inputs.
      const layer = new GraphTripleConv(1, 1, residual);
      setLinear(layer.net1a, [[1], [1], [1]]);
      setLinear(layer.net1b, [[1, 2, 3]]);
      setLinear(layer.net2a, [[1]]);
      setLinear(layer.net2b, [[2]]);
      const objVecs = tf.tensor2d([[1], [2], [3]]);
      const predVecs = tf.tensor2d([[0.5], [-1]]);
      // triples: 0 -p0-> 1, 2 -p1-> 1
      const edges = graphEdges(Int32Array.from([0, 2]), Int32Array.from([1, 1]), 3);
      const out = layer.forward(objVecs as tf.Tensor2D, predVecs as tf.Tensor2D, edges);
      // h0 = 1 + 0.5 + 2 = 3.5 → s=3.5, p=7, o=10.5. h1 = 3 - 1 + 2 = 4 → s=4, p=8, o=12.
      // pooled: node0 = 3.5, node1 = (10.5 + 12)/2 = 11.25, node2 = 4. objects = 2·pooled.
      expect(Array.from(await out.objVecs.data())).toEqual(
        residual ? [7 + 1, 22.5 + 2, 8 + 3] : [7, 22.5, 8],
      );
      expect(Array.from(await out.predVecs.data())).toEqual(residual ? [7.5, 7] : [7, 8]);
      tf.dispose([objVecs, predVecs, out.objVecs, out.predVecs]);
      disposeEdges(edges);
      layer.dispose();
    },
  );

  it('has gradients for every weight through the pooling', () => {
    const layer = new GraphTripleConv(4, 8);
    const edges = graphEdges(Int32Array.from([0, 1, 2]), Int32Array.from([1, 2, 0]), 3);
    const obj = tf.randomNormal([3, 4]) as tf.Tensor2D;
    const pred = tf.randomNormal([3, 4]) as tf.Tensor2D;
    const vars = [...layer.parameters().values()];
    const { value, grads } = tf.variableGrads(() => {
      const o = layer.forward(obj, pred, edges);
      return tf.add(tf.sum(o.objVecs), tf.sum(o.predVecs)) as tf.Scalar;
    }, vars);
    for (const v of vars) expect(grads[v.name]).toBeDefined();
    tf.dispose([value, obj, pred, ...Object.values(grads)]);
    disposeEdges(edges);
    layer.dispose();
  });
});
