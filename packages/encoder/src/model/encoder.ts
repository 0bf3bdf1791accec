import { Embedding, Linear, Module, tf } from '@sgdiff/nn';
import {
  packGraphs,
  SceneGraphError,
  type PackedGraphs,
  type SceneGraph,
  type Vocabulary,
} from '@sgdiff/scene-graph';
import { EncoderError } from '../errors.js';
import type { EncoderConfig } from './config.js';
import { inverseCounts, prepareTriples, type TripleBatch } from './graph-batch.js';
import { TriplePool } from './global-pooling.js';
import { disposeEdges, graphEdges, GraphTripleConvNet } from './graph-triple-conv.js';

/**
 * What the diffusion UNet and the pre-training losses read. B graphs, K = config.tokens,
 * C = config.tokenDim. Padded local tokens are exactly zero and have mask 0.
 */
export interface GraphEncoding {
  /** local: [B, K, C] one token per triple (s ‖ p ‖ o), real relations first, then `__in_image__`. */
  local: tf.Tensor3D;
  localMask: tf.Tensor2D; // [B, K] 1 real, 0 padding
  /** global: [B, C] pooled as `config.globalPooling` says (default: mean object ‖ mean predicate, projected). */
  global: tf.Tensor2D;
  /**
   * labelTokens: [B, K, 3·dim] each local token's triple as its input label embeddings
   * (s ‖ p ‖ o, before the graph convolutions and without boxes), zero for padding. Only with
   * `forward(packed, {labelTokens: true})`.
   */
  labelTokens?: tf.Tensor3D;
}

export interface EncodeOptions {
  /** Also return `labelTokens`. */
  labelTokens?: boolean;
}

export function disposeEncoding(e: GraphEncoding): void {
  tf.dispose([e.local, e.localMask, e.global]);
  if (e.labelTokens) e.labelTokens.dispose();
}

/**
 * SGDiff's scene-graph encoder: object and predicate embeddings → GraphTripleConv stack →
 * one local token per triple (s ‖ p ‖ o, projected) and one global token per graph
 * (mean object vector ‖ mean predicate vector, projected).
 */
export class SceneGraphEncoder extends Module {
  readonly objectEmbedding: Embedding;
  readonly predicateEmbedding: Embedding;
  readonly boxEmbedding: Linear | null;
  readonly graphConv: GraphTripleConvNet;
  readonly localProjection: Linear;
  /** The `means` global's projection (null with a triple pooling). */
  readonly globalProjection: Linear | null;
  /** The triple pooling of the global token (null for `means`). */
  readonly globalPool: TriplePool | null;

  constructor(readonly config: EncoderConfig) {
    super();
    const { dim } = config;
    // std 1/√dim keeps the first ReLU MLP's inputs at unit scale whatever the width.
    this.objectEmbedding = new Embedding(config.numObjects, dim, { std: 1 / Math.sqrt(dim) });
    this.predicateEmbedding = new Embedding(config.numPredicates, dim, { std: 1 / Math.sqrt(dim) });
    this.boxEmbedding = config.useBoxes ? new Linear(4, dim) : null;
    this.graphConv = new GraphTripleConvNet(dim, config.hidden, config.layers, config.residual);
    this.localProjection = new Linear(3 * dim, config.tokenDim);
    const pooling = config.globalPooling ?? 'means';
    this.globalProjection = pooling === 'means' ? new Linear(2 * dim, config.tokenDim) : null;
    this.globalPool =
      pooling === 'means'
        ? null
        : new TriplePool(pooling, config.tokenDim, config.globalHeads ?? 4);
  }

  /** Encodes a packed batch (see `packGraphs`). Throws EncoderError on labels the model lacks. */
  forward(packed: PackedGraphs, options: EncodeOptions = {}): GraphEncoding {
    const batch = prepareTriples(packed, this.config);
    return this.encodeTriples(batch, options);
  }

  /** Packs and encodes scene graphs. Unknown label names and empty graphs are EncoderErrors. */
  encodeGraphs(
    graphs: readonly SceneGraph[],
    vocab: Vocabulary,
    options: EncodeOptions = {},
  ): GraphEncoding {
    return this.forward(packForEncoder(graphs, vocab), options);
  }

  private encodeTriples(b: TripleBatch, options: EncodeOptions): GraphEncoding {
    const { numGraphs: B, numObjects: O } = b;
    const K = this.config.tokens;
    const edges = graphEdges(b.subjects, b.objects, O);
    try {
      return tf.tidy(() => {
        const labelVecs = this.objectEmbedding.forward(tf.tensor1d(b.objs, 'int32')) as tf.Tensor2D; // [O, D]
        let objVecs = labelVecs;
        if (this.boxEmbedding) {
          const boxes = tf.tensor2d(b.boxes, [O, 4]);
          const hasBox = tf.tensor2d(Float32Array.from(b.hasBox), [O, 1]);
          objVecs = tf.add(objVecs, tf.mul(this.boxEmbedding.forward(boxes), hasBox));
        }
        const predIds = tf.tensor1d(b.predicates, 'int32');
        const predLabelVecs = this.predicateEmbedding.forward(predIds) as tf.Tensor2D;
        const conv = this.graphConv.forward(objVecs, predLabelVecs, edges);

        // Local tokens: [s ‖ p ‖ o] per triple, then gathered into K slots per graph.
        const triples = tf.concat(
          [
            tf.gather(conv.objVecs, edges.subjects),
            conv.predVecs,
            tf.gather(conv.objVecs, edges.objects),
          ],
          1,
        ); // [T, 3D]
        const perTriple = this.localProjection.forward(triples); // [T, C]
        const mask = tf.tensor2d(b.tokenMask, [B, K]);
        const source = tf.tensor1d(b.tokenSource, 'int32');
        // [T, W] per triple → [B, K, W] token slots, padding zeroed.
        const toSlots = (x: tf.Tensor2D) =>
          tf.mul(
            tf.reshape(tf.gather(x, source), [B, K, x.shape[1]]),
            tf.expandDims(mask, 2),
          ) as tf.Tensor3D;
        const local = toSlots(perTriple as tf.Tensor2D);

        const global = this.globalPool
          ? this.globalPool.forward(local, mask)
          : this.meansGlobal(conv.objVecs, conv.predVecs, b); // [B, C]
        if (!options.labelTokens) return { local, localMask: mask, global };
        const labelTriples = tf.concat(
          [
            tf.gather(labelVecs, edges.subjects),
            predLabelVecs,
            tf.gather(labelVecs, edges.objects),
          ],
          1,
        ) as tf.Tensor2D; // [T, 3D]
        return { local, localMask: mask, global, labelTokens: toSlots(labelTriples) };
      });
    } finally {
      disposeEdges(edges);
    }
  }

  // Per-graph means (segment sums scaled by 1/count keep it order-free). objVecs: [O, D], predVecs: [T, D] → [B, C]
  private meansGlobal(objVecs: tf.Tensor2D, predVecs: tf.Tensor2D, b: TripleBatch): tf.Tensor2D {
    const objMean = segmentMean(objVecs, b.objToImg, b.numGraphs);
    const predMean = segmentMean(predVecs, b.tripleToImg, b.numGraphs);
    return this.globalProjection!.forward(tf.concat([objMean, predMean], 1)) as tf.Tensor2D;
  }
}

// x: [N, D], ids: [N] → [numSegments, D]
function segmentMean(x: tf.Tensor2D, ids: Int32Array, numSegments: number): tf.Tensor2D {
  return tf.tidy(() => {
    const sum = tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), numSegments);
    return tf.mul(
      sum,
      tf.tensor2d(inverseCounts(ids, numSegments), [numSegments, 1]),
    ) as tf.Tensor2D;
  });
}

/** `packGraphs`, with unknown labels and empty graphs reported as EncoderError. */
export function packForEncoder(graphs: readonly SceneGraph[], vocab: Vocabulary): PackedGraphs {
  if (graphs.length === 0) throw new EncoderError('no graphs to encode: the batch is empty');
  graphs.forEach((g, i) => {
    if (g.objects.length === 0)
      throw new EncoderError(`graph ${i} is empty: a scene graph needs at least one object`);
  });
  try {
    return packGraphs(graphs, vocab);
  } catch (e) {
    if (e instanceof SceneGraphError)
      throw new EncoderError(`cannot encode the graphs: ${e.message}`);
    throw e;
  }
}
