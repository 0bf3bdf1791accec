import type { SceneGraph, Vocabulary } from '@sgdiff/scene-graph';
import { prepareTriples } from '../model/graph-batch.js';
import { disposeEncoding, packForEncoder, type SceneGraphEncoder } from '../model/encoder.js';

/** Each real local token of a batch, with the labels of the triple it came from. */
export interface TokenLabels {
  /** [N][tokenDim] local tokens, padding dropped, in (graph, slot) order. */
  tokens: number[][];
  /** Object label index of each token's subject. */
  subjects: number[];
  /** Object label index of each token's object (`__image__` for `__in_image__` tokens). */
  objects: number[];
  /** Predicate index of each token. */
  predicates: number[];
  /** Whether the token is an `__in_image__` triple rather than a relation. */
  inImage: boolean[];
}

/**
 * The encoder's local tokens for `graphs`, each labelled with its triple: the data for a probe of
 * how much of a graph's labels the tokens carry (e.g. `linearProbe` in @sgdiff/eval).
 */
export function tokenLabels(
  encoder: SceneGraphEncoder,
  graphs: readonly SceneGraph[],
  vocab: Vocabulary,
): TokenLabels {
  const packed = packForEncoder(graphs, vocab);
  const b = prepareTriples(packed, encoder.config);
  const encoding = encoder.forward(packed);
  const local = encoding.local.arraySync();
  disposeEncoding(encoding);
  const out: TokenLabels = { tokens: [], subjects: [], objects: [], predicates: [], inImage: [] };
  const K = encoder.config.tokens;
  for (let g = 0; g < b.numGraphs; g++) {
    for (let k = 0; k < K; k++) {
      if (b.tokenMask[g * K + k] === 0) continue;
      const t = b.tokenSource[g * K + k]!;
      out.tokens.push(local[g]![k]!);
      out.subjects.push(b.objs[b.subjects[t]!]!);
      out.objects.push(b.objs[b.objects[t]!]!);
      out.predicates.push(b.predicates[t]!);
      out.inImage.push(b.predicates[t] === encoder.config.inImagePredicate);
    }
  }
  return out;
}
