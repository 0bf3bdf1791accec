import type { PackedGraphs } from '@sgdiff/scene-graph';
import { EncoderError } from '../errors.js';
import type { EncoderConfig } from './config.js';

/**
 * Plain-array preparation of a packed batch, before any tensor exists: validation against the
 * model's vocabulary, the bag-of-objects triple filter, and where each local token comes from.
 */
export interface TripleBatch {
  numGraphs: number;
  numObjects: number;
  numTriples: number;
  objs: Int32Array; // [O]
  objToImg: Int32Array; // [O]
  boxes: Float32Array; // [O, 4]
  hasBox: Uint8Array; // [O]
  subjects: Int32Array; // [T]
  predicates: Int32Array; // [T]
  objects: Int32Array; // [T]
  tripleToImg: Int32Array; // [T]
  /** tokenSource: [B, K] triple index feeding each local token (0 for padding). */
  tokenSource: Int32Array;
  /** tokenMask: [B, K] 1 for a real token, 0 for padding. */
  tokenMask: Float32Array;
}

/** Throws EncoderError for anything the embedding tables or pooling cannot take. */
export function checkPackedGraphs(packed: PackedGraphs, config: EncoderConfig): void {
  const { numGraphs: B, numObjects: O, numTriples: T } = packed;
  if (B <= 0) throw new EncoderError('no graphs to encode: the batch is empty');
  if (
    packed.objs.length !== O ||
    packed.objToImg.length !== O ||
    packed.boxes.length !== 4 * O ||
    packed.hasBox.length !== O
  ) {
    throw new EncoderError(
      `packed graphs are inconsistent: numObjects is ${O} but the object arrays disagree`,
    );
  }
  if (packed.triples.length !== 3 * T || packed.tripleToImg.length !== T) {
    throw new EncoderError(
      `packed graphs are inconsistent: numTriples is ${T} but the triple arrays disagree`,
    );
  }
  for (let i = 0; i < O; i++) {
    const label = packed.objs[i];
    if (!Number.isInteger(label) || label < 0 || label >= config.numObjects) {
      throw new EncoderError(
        `object label ${label} (graph ${packed.objToImg[i]}) is outside the model's vocabulary of ${config.numObjects} objects`,
      );
    }
    const g = packed.objToImg[i];
    if (g < 0 || g >= B)
      throw new EncoderError(`objToImg[${i}] = ${g} is not a graph of this batch (${B} graphs)`);
  }
  const triplesPerGraph = new Int32Array(B);
  for (let t = 0; t < T; t++) {
    const [s, p, o] = packed.triples.subarray(3 * t, 3 * t + 3);
    const g = packed.tripleToImg[t];
    if (g < 0 || g >= B)
      throw new EncoderError(`tripleToImg[${t}] = ${g} is not a graph of this batch (${B} graphs)`);
    if (p < 0 || p >= config.numPredicates) {
      throw new EncoderError(
        `predicate label ${p} (graph ${g}) is outside the model's vocabulary of ${config.numPredicates} predicates`,
      );
    }
    for (const node of [s, o]) {
      if (node < 0 || node >= O || packed.objToImg[node] !== g) {
        throw new EncoderError(
          `triple ${t} refers to object ${node}, which is not in its graph ${g}`,
        );
      }
    }
    triplesPerGraph[g]++;
  }
  const empty = triplesPerGraph.findIndex((n) => n === 0);
  if (empty >= 0)
    throw new EncoderError(`graph ${empty} is empty: a scene graph needs at least one object`);
}

/**
 * Validates, drops relation triples for the bag-of-objects ablation, and lays out the local
 * tokens: per graph, real relations first, then `__in_image__` triples, cut or padded to K.
 */
export function prepareTriples(packed: PackedGraphs, config: EncoderConfig): TripleBatch {
  checkPackedGraphs(packed, config);
  const B = packed.numGraphs;
  const K = config.tokens;
  const inImagePredicate = config.inImagePredicate;
  const keep: number[] = [];
  for (let t = 0; t < packed.numTriples; t++) {
    if (config.useRelations || packed.triples[3 * t + 1] === inImagePredicate) keep.push(t);
  }
  const T = keep.length;
  const subjects = new Int32Array(T);
  const predicates = new Int32Array(T);
  const objects = new Int32Array(T);
  const tripleToImg = new Int32Array(T);
  keep.forEach((t, i) => {
    subjects[i] = packed.triples[3 * t];
    predicates[i] = packed.triples[3 * t + 1];
    objects[i] = packed.triples[3 * t + 2];
    tripleToImg[i] = packed.tripleToImg[t];
  });
  const perGraph: number[][] = Array.from({ length: B }, () => []);
  for (let i = 0; i < T; i++)
    if (predicates[i] !== inImagePredicate) perGraph[tripleToImg[i]].push(i);
  for (let i = 0; i < T; i++)
    if (predicates[i] === inImagePredicate) perGraph[tripleToImg[i]].push(i);
  const tokenSource = new Int32Array(B * K);
  const tokenMask = new Float32Array(B * K);
  perGraph.forEach((list, g) => {
    for (let k = 0; k < Math.min(K, list.length); k++) {
      tokenSource[g * K + k] = list[k];
      tokenMask[g * K + k] = 1;
    }
  });
  return {
    numGraphs: B,
    numObjects: packed.numObjects,
    numTriples: T,
    objs: packed.objs,
    objToImg: packed.objToImg,
    boxes: packed.boxes,
    hasBox: packed.hasBox,
    subjects,
    predicates,
    objects,
    tripleToImg,
    tokenSource,
    tokenMask,
  };
}

/** 1 / count of each segment id in `ids` (0 where a segment is empty), as [numSegments]. */
export function inverseCounts(ids: Int32Array, numSegments: number): Float32Array {
  const counts = new Float32Array(numSegments);
  for (const i of ids) counts[i]++;
  return counts.map((c) => (c > 0 ? 1 / c : 0));
}
