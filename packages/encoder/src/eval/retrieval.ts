import { tf } from '@sgdiff/nn';
import type { SceneGraph, Vocabulary } from '@sgdiff/scene-graph';
import { EncoderError } from '../errors.js';
import type { MaskedContrastiveModel } from '../pretrain/model.js';
import { imagesToTensor } from '../pretrain/images.js';
import { l2Normalize } from '../pretrain/contrastive.js';

function requireImageTower(model: MaskedContrastiveModel) {
  if (!model.imageEncoder)
    throw new EncoderError(
      'this model has no image encoder (it was pre-trained without the contrastive loss)',
    );
  return model.imageEncoder;
}

/** Unit-length global graph tokens. → [N, C] flattened. */
export function embedGraphs(
  model: MaskedContrastiveModel,
  graphs: readonly SceneGraph[],
  vocab: Vocabulary,
  batchSize = 64,
): Float32Array {
  const C = model.config.encoder.tokenDim;
  const out = new Float32Array(graphs.length * C);
  for (let i = 0; i < graphs.length; i += batchSize) {
    const chunk = graphs.slice(i, i + batchSize);
    const v = tf.tidy(() => {
      const enc = model.encoder.encodeGraphs(chunk, vocab);
      return l2Normalize(enc.global);
    });
    out.set(v.dataSync(), i * C);
    v.dispose();
  }
  return out;
}

/** Unit-length image vectors. images: [N, S, S, 3] RGB flattened → [N, C] flattened. */
export function embedImages(
  model: MaskedContrastiveModel,
  images: Uint8Array,
  count: number,
  batchSize = 64,
): Float32Array {
  const tower = requireImageTower(model);
  const S = model.config.imageSize;
  const px = S * S * 3;
  if (images.length !== count * px)
    throw new EncoderError(`images hold ${images.length} bytes, expected ${count}×${S}×${S}×3`);
  const C = model.config.encoder.tokenDim;
  const out = new Float32Array(count * C);
  for (let i = 0; i < count; i += batchSize) {
    const n = Math.min(batchSize, count - i);
    const v = tf.tidy(() =>
      l2Normalize(tower.forward(imagesToTensor(images.subarray(i * px, (i + n) * px), n, S, S))),
    );
    out.set(v.dataSync(), i * C);
    v.dispose();
  }
  return out;
}

/** A dense score matrix: scores[g · images + i] is the cosine of graph g and image i. */
export interface ScoreMatrix {
  graphs: number;
  images: number;
  scores: Float32Array;
}

/** Cosine similarity of every graph with every image (the contrastive objective's score). */
export function scoreGraphsImages(
  model: MaskedContrastiveModel,
  graphs: readonly SceneGraph[],
  images: Uint8Array,
  vocab: Vocabulary,
  batchSize = 64,
): ScoreMatrix {
  const g = embedGraphs(model, graphs, vocab, batchSize);
  const count = images.length / (model.config.imageSize ** 2 * 3);
  const im = embedImages(model, images, count, batchSize);
  return {
    graphs: graphs.length,
    images: count,
    scores: cosineMatrix(g, im, model.config.encoder.tokenDim),
  };
}

/** a: [N, C], b: [M, C], both unit rows → [N, M]. Plain JS: exact and backend-free. */
export function cosineMatrix(a: Float32Array, b: Float32Array, dim: number): Float32Array {
  const n = a.length / dim;
  const m = b.length / dim;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += a[i * dim + d] * b[j * dim + d];
      out[i * m + j] = s;
    }
  }
  return out;
}

/**
 * Recall@k with graph i paired to image i. 'graph→image': for each graph, is its image among the
 * k best-scoring images; 'image→graph' the other way. Ties count against (strictly greater
 * scores rank ahead, equal scores too), so a constant scorer gets 0, not 1.
 */
export function recallAtK(
  m: ScoreMatrix,
  k: number,
  direction: 'graph→image' | 'image→graph',
): number {
  const n = Math.min(m.graphs, m.images);
  if (n === 0) return 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const score = (a: number, b: number) =>
      direction === 'graph→image' ? m.scores[a * m.images + b] : m.scores[b * m.images + a];
    const others = direction === 'graph→image' ? m.images : m.graphs;
    const own = score(i, i);
    let ahead = 0;
    for (let j = 0; j < others; j++) if (j !== i && score(i, j) >= own) ahead++;
    if (ahead < k) hits++;
  }
  return hits / n;
}
