import { INVERSE_PREDICATE, type SceneGraph } from '@sgdiff/scene-graph';
import type { Rng } from '../random.js';

/**
 * Graph perturbations that make hard negatives (the paper's non-compliant pairs) and the
 * compliance evaluation. Each is pure: it returns a new graph plus what changed, or null
 * where the graph offers nothing to change.
 */
export type PerturbationKind = 'swap' | 'invert' | 'relabel';

export const PERTURBATION_KINDS: readonly PerturbationKind[] = ['swap', 'invert', 'relabel'];

export type Perturbation =
  | { kind: 'swap'; graph: SceneGraph; relation: number }
  | { kind: 'invert'; graph: SceneGraph; relation: number; from: string; to: string }
  | { kind: 'relabel'; graph: SceneGraph; object: string; from: string; to: string };

const INVERSES: Record<string, string> = INVERSE_PREDICATE;

function labelOf(graph: SceneGraph, id: string): string | undefined {
  return graph.objects.find((o) => o.id === id)?.label;
}

/**
 * Swaps subject and object of relation `index`. Null when both ends have the same label: the
 * swapped graph would say the same thing.
 */
export function swapRelation(graph: SceneGraph, index: number): Perturbation | null {
  const r = graph.relations[index];
  if (!r || labelOf(graph, r.subject) === labelOf(graph, r.object)) return null;
  const g = structuredClone(graph);
  g.relations[index] = { subject: r.object, predicate: r.predicate, object: r.subject };
  return { kind: 'swap', graph: g, relation: index };
}

/** Replaces the predicate of relation `index` by its opposite (left of ↔ right of, …). Null if it has none. */
export function invertPredicate(
  graph: SceneGraph,
  index: number,
  inverses: Record<string, string> = INVERSES,
): Perturbation | null {
  const r = graph.relations[index];
  const to = r && inverses[r.predicate];
  if (!r || !to || to === r.predicate) return null;
  const g = structuredClone(graph);
  g.relations[index] = { ...r, predicate: to };
  return { kind: 'invert', graph: g, relation: index, from: r.predicate, to };
}

/** Gives object `id` the label `label`. Null if the object is missing or already has it. */
export function relabelOneObject(
  graph: SceneGraph,
  id: string,
  label: string,
): Perturbation | null {
  const i = graph.objects.findIndex((o) => o.id === id);
  if (i < 0 || graph.objects[i].label === label) return null;
  const g = structuredClone(graph);
  const from = g.objects[i].label;
  g.objects[i] = { ...g.objects[i], label };
  return { kind: 'relabel', graph: g, object: id, from, to: label };
}

/**
 * A random perturbation of one kind: a random applicable relation (swap, invert) or a random
 * object given a random other label from `labels` (relabel). Null if none applies.
 */
export function randomPerturbation(
  graph: SceneGraph,
  kind: PerturbationKind,
  rng: Rng,
  labels: readonly string[],
): Perturbation | null {
  if (kind === 'relabel') {
    if (!graph.objects.length || labels.length < 2) return null;
    const o = rng.pick(graph.objects);
    const others = labels.filter((l) => l !== o.label);
    return others.length ? relabelOneObject(graph, o.id, rng.pick(others)) : null;
  }
  const make = kind === 'swap' ? swapRelation : invertPredicate;
  const candidates = graph.relations.map((_, i) => i).filter((i) => make(graph, i) !== null);
  return candidates.length ? make(graph, rng.pick(candidates)) : null;
}
