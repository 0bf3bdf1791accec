import { Linear, Module, tf } from '@sgdiff/nn';

/**
 * The edges of a packed batch as tensors, built once per forward pass and shared by every layer.
 * `invDegree` is 1 / (number of triples a node takes part in, as subject or object), at least 1.
 */
export interface GraphEdges {
  numNodes: number;
  subjects: tf.Tensor1D; // [T] int32
  objects: tf.Tensor1D; // [T] int32
  /** subjects then objects: the segment ids for pooling [new_s; new_o]. */
  endpoints: tf.Tensor1D; // [2T] int32
  invDegree: tf.Tensor2D; // [O, 1]
}

/** Builds `GraphEdges` from subject/object indices. The caller disposes it (`disposeEdges`). */
export function graphEdges(
  subjects: Int32Array,
  objects: Int32Array,
  numNodes: number,
): GraphEdges {
  const degree = new Float32Array(numNodes);
  for (const i of subjects) degree[i]++;
  for (const i of objects) degree[i]++;
  const inv = degree.map((d) => 1 / Math.max(d, 1));
  const endpoints = new Int32Array(subjects.length * 2);
  endpoints.set(subjects, 0);
  endpoints.set(objects, subjects.length);
  return {
    numNodes,
    subjects: tf.tensor1d(subjects, 'int32'),
    objects: tf.tensor1d(objects, 'int32'),
    endpoints: tf.tensor1d(endpoints, 'int32'),
    invDegree: tf.tensor2d(inv, [numNodes, 1]),
  };
}

export function disposeEdges(e: GraphEdges): void {
  tf.dispose([e.subjects, e.objects, e.endpoints, e.invDegree]);
}

/**
 * Sums each triple's subject and object candidates onto their nodes and divides by the node's
 * degree. `unsortedSegmentSum` rather than `scatterND`: the latter has no gradient in tfjs.
 */
// newS, newO: [T, H] → [O, H]
export function averageOntoNodes(
  newS: tf.Tensor2D,
  newO: tf.Tensor2D,
  edges: GraphEdges,
): tf.Tensor2D {
  return tf.tidy(() => {
    const summed = tf.unsortedSegmentSum(
      tf.concat([newS, newO], 0),
      edges.endpoints,
      edges.numNodes,
    );
    return tf.mul(summed, edges.invDegree) as tf.Tensor2D;
  });
}

/**
 * sg2im's GraphTripleConv. Every triple [s ‖ p ‖ o] goes through net1, which proposes a new
 * predicate vector and a candidate for each endpoint; the candidates are averaged per node and
 * net2 turns them into the new object vectors. Both MLPs end in ReLU, as in sg2im.
 */
export class GraphTripleConv extends Module {
  readonly net1a: Linear;
  readonly net1b: Linear;
  readonly net2a: Linear;
  readonly net2b: Linear;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    /** Add the input vectors to the output ones (a residual block). */
    readonly residual = false,
  ) {
    super();
    // He-normal weights, as sg2im (`_init_weights`). With the fan-in-uniform default each
    // Linear + ReLU keeps ~1/6 of the signal's variance, so after a few layers the biases drown
    // the labels: every single-object graph got the same token (cosine 1.000) at init.
    const init = 'kaimingNormal';
    this.net1a = new Linear(3 * dim, hidden, { init });
    this.net1b = new Linear(hidden, 2 * hidden + dim, { init });
    this.net2a = new Linear(hidden, hidden, { init });
    this.net2b = new Linear(hidden, dim, { init });
  }

  // objVecs: [O, D], predVecs: [T, D] → same shapes
  forward(
    objVecs: tf.Tensor2D,
    predVecs: tf.Tensor2D,
    edges: GraphEdges,
  ): { objVecs: tf.Tensor2D; predVecs: tf.Tensor2D } {
    const [newObj, newPred] = tf.tidy(() => {
      const h = this.hidden;
      const t = predVecs.shape[0];
      const triples = tf.concat(
        [tf.gather(objVecs, edges.subjects), predVecs, tf.gather(objVecs, edges.objects)],
        1,
      ); // [T, 3D]
      const mixed = tf.relu(
        this.net1b.forward(tf.relu(this.net1a.forward(triples))),
      ) as tf.Tensor2D; // [T, 2H + D]
      const newS = tf.slice(mixed, [0, 0], [t, h]);
      const newP = tf.slice(mixed, [0, h], [t, this.dim]);
      const newO = tf.slice(mixed, [0, h + this.dim], [t, h]);
      const pooled = averageOntoNodes(newS, newO, edges); // [O, H]
      const obj = tf.relu(this.net2b.forward(tf.relu(this.net2a.forward(pooled)))) as tf.Tensor2D;
      return this.residual ? [tf.add(objVecs, obj), tf.add(predVecs, newP)] : [obj, newP];
    });
    return { objVecs: newObj, predVecs: newPred };
  }
}

/** A stack of GraphTripleConv layers. */
export class GraphTripleConvNet extends Module {
  readonly layers: GraphTripleConv[];

  constructor(dim: number, hidden: number, numLayers: number, residual = false) {
    super();
    this.layers = Array.from(
      { length: numLayers },
      () => new GraphTripleConv(dim, hidden, residual),
    );
  }

  // objVecs: [O, D], predVecs: [T, D] → same shapes
  forward(
    objVecs: tf.Tensor2D,
    predVecs: tf.Tensor2D,
    edges: GraphEdges,
  ): { objVecs: tf.Tensor2D; predVecs: tf.Tensor2D } {
    return tf.tidy(() => {
      let state = { objVecs, predVecs };
      for (const layer of this.layers) state = layer.forward(state.objVecs, state.predVecs, edges);
      return state;
    });
  }
}
