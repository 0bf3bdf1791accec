import type { SceneGraph } from '@sgdiff/scene-graph';
import type { Rng } from '../random.js';

/**
 * sg2im's object budget: objects that take part in a relation come first (a random subset if
 * there are too many), then objects without relations fill up to `maxObjects`. Relations
 * whose endpoints were dropped go too. Kept objects stay in their original order.
 * Returns the kept object indices alongside the graph. `maxObjects` counts real objects,
 * not the `__image__` node that packing adds (sg2im's max_objects = this + 1).
 */
export function selectObjects(
  graph: SceneGraph,
  maxObjects: number | undefined,
  rng: Rng,
): { graph: SceneGraph; kept: number[] } {
  const n = graph.objects.length;
  if (maxObjects === undefined || n <= maxObjects)
    return { graph, kept: graph.objects.map((_, i) => i) };
  const index = new Map(graph.objects.map((o, i) => [o.id, i]));
  const inRelation = new Set<number>();
  for (const r of graph.relations) {
    inRelation.add(index.get(r.subject)!);
    inRelation.add(index.get(r.object)!);
  }
  const withRels = [...inRelation].sort((a, b) => a - b);
  const without = graph.objects.map((_, i) => i).filter((i) => !inRelation.has(i));
  let chosen = withRels.length > maxObjects ? rng.shuffle(withRels).slice(0, maxObjects) : withRels;
  if (chosen.length < maxObjects)
    chosen = chosen.concat(rng.shuffle(without).slice(0, maxObjects - chosen.length));
  const kept = chosen.sort((a, b) => a - b);
  const keptIds = new Set(kept.map((i) => graph.objects[i].id));
  return {
    graph: {
      objects: kept.map((i) => graph.objects[i]),
      relations: graph.relations.filter((r) => keptIds.has(r.subject) && keptIds.has(r.object)),
    },
    kept,
  };
}
