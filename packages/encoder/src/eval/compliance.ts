import type { SceneGraph, Vocabulary } from '@sgdiff/scene-graph';
import type { MaskedContrastiveModel } from '../pretrain/model.js';
import {
  PERTURBATION_KINDS,
  randomPerturbation,
  type PerturbationKind,
} from '../pretrain/perturb.js';
import type { Rng } from '../random.js';
import { embedGraphs, embedImages } from './retrieval.js';

export interface ComplianceResult {
  /** Pairs whose graph admitted this perturbation. */
  total: number;
  /** Of those, pairs where the original graph scored strictly above the perturbed one. */
  correct: number;
  accuracy: number;
}

/**
 * Compliance discrimination: for each image, does its own graph score above a perturbed copy
 * (relation swapped, predicate inverted, object relabelled)? One perturbation per kind and pair.
 */
export function complianceDiscrimination(
  model: MaskedContrastiveModel,
  graphs: readonly SceneGraph[],
  images: Uint8Array,
  vocab: Vocabulary,
  rng: Rng,
  kinds: readonly PerturbationKind[] = PERTURBATION_KINDS,
): Record<PerturbationKind, ComplianceResult> {
  const C = model.config.encoder.tokenDim;
  const imageVecs = embedImages(model, images, graphs.length);
  const original = embedGraphs(model, graphs, vocab);
  const dot = (a: Float32Array, i: number, b: Float32Array, j: number) => {
    let s = 0;
    for (let d = 0; d < C; d++) s += a[i * C + d] * b[j * C + d];
    return s;
  };
  const out = {} as Record<PerturbationKind, ComplianceResult>;
  for (const kind of kinds) {
    const pairs: number[] = [];
    const perturbed: SceneGraph[] = [];
    graphs.forEach((g, i) => {
      const p = randomPerturbation(g, kind, rng, vocab.objectNames);
      if (p) {
        pairs.push(i);
        perturbed.push(p.graph);
      }
    });
    const pv = perturbed.length ? embedGraphs(model, perturbed, vocab) : new Float32Array(0);
    let correct = 0;
    pairs.forEach((i, j) => {
      if (dot(original, i, imageVecs, i) > dot(pv, j, imageVecs, i)) correct++;
    });
    out[kind] = {
      total: pairs.length,
      correct,
      accuracy: pairs.length ? correct / pairs.length : NaN,
    };
  }
  return out;
}
