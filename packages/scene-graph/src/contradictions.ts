import type { SceneGraphIssue } from './errors.js';
import { INVERSE_PREDICATE, relationFromBoxes, type GeometricPredicate } from './relation.js';
import type { SceneGraph } from './types.js';

/**
 * What makes a valid graph impossible to lay out under `relationFromBoxes`, which gives exactly
 * one geometric relation per ordered pair of boxes:
 * - `pair`: two relations on one pair of objects that say different things ("A left of B; B left
 *   of A", "A above B; A below B", "A left of B; A above B");
 * - `cycle`: relations that chain back to where they began (A inside B inside C inside A; also
 *   A left of B left of C left of A), so each is a strict order that cannot loop;
 * - `box`: a relation between two objects whose given boxes say otherwise.
 */
export type GraphWarningKind = 'pair' | 'cycle' | 'box';

/** A warning about a valid graph: `path` is its first relation, `relations` all it involves. */
export interface GraphWarning extends SceneGraphIssue {
  kind: GraphWarningKind;
  relations: number[];
}

/** Each predicate as an edge of a strict order: `from` before `to` (left, higher, inner). */
const ORDER: Record<GeometricPredicate, { order: string; forward: boolean }> = {
  'left of': { order: 'left of', forward: true },
  'right of': { order: 'left of', forward: false },
  above: { order: 'above', forward: true },
  below: { order: 'above', forward: false },
  inside: { order: 'inside', forward: true },
  surrounding: { order: 'inside', forward: false },
};

const isGeometric = (p: string): p is GeometricPredicate => p in INVERSE_PREDICATE;

/** `"a" (red circle)`: how messages name an object. */
function describeObject(graph: SceneGraph, id: string): string {
  const o = graph.objects.find((x) => x.id === id);
  return o ? `"${id}" (${o.label})` : `"${id}"`;
}

/** `"a" (red circle) left of "b" (blue square)`. */
function describeRelation(graph: SceneGraph, k: number): string {
  const r = graph.relations[k];
  return `${describeObject(graph, r.subject)} ${r.predicate} ${describeObject(graph, r.object)}`;
}

/** `"a" (…) left of "b" (…), but the boxes say right of`, for a relation its boxes break. */
function describeBroken(graph: SceneGraph, k: number): string {
  const r = graph.relations[k];
  const box = (id: string) => graph.objects.find((o) => o.id === id)!.box!;
  const said = relationFromBoxes(box(r.subject), box(r.object));
  return `${describeRelation(graph, k)}, but the boxes say ${said}`;
}

/**
 * Indices of the geometric relations whose subject and object both have boxes that
 * `relationFromBoxes` puts in another relation: what a layout (given or drawn) breaks.
 */
export function relationsBrokenByBoxes(graph: SceneGraph): number[] {
  const boxOf = new Map(graph.objects.map((o) => [o.id, o.box]));
  return graph.relations.flatMap((r, k) => {
    const s = boxOf.get(r.subject);
    const o = boxOf.get(r.object);
    return isGeometric(r.predicate) && s && o && relationFromBoxes(s, o) !== r.predicate ? [k] : [];
  });
}

/**
 * One line per relation that `graph`'s boxes break (`relationsBrokenByBoxes`), e.g.
 * `relations[0]: "a" (red circle) left of "b" (blue square), but the boxes say right of`.
 */
export function describeBrokenRelations(graph: SceneGraph): string[] {
  return relationsBrokenByBoxes(graph).map((k) => `relations[${k}]: ${describeBroken(graph, k)}`);
}

/**
 * Relations of a valid graph that cannot all hold (see `GraphWarningKind`). Non-geometric
 * predicates are ignored. Each contradiction is reported once: a pair that disagrees with
 * itself is left out of the cycle search, so a cycle always has three or more objects.
 */
export function findContradictions(graph: SceneGraph): GraphWarning[] {
  const warnings: GraphWarning[] = [];
  const rank = new Map(graph.objects.map((o, i) => [o.id, i]));

  // Pairs: every geometric relation restated with the lower-ranked object as subject.
  const pairs = new Map<string, { k: number; predicate: GeometricPredicate }[]>();
  graph.relations.forEach((r, k) => {
    if (!isGeometric(r.predicate) || r.subject === r.object) return;
    const swap = (rank.get(r.subject) ?? 0) > (rank.get(r.object) ?? 0);
    const key = JSON.stringify(swap ? [r.object, r.subject] : [r.subject, r.object]);
    const predicate = swap ? INVERSE_PREDICATE[r.predicate] : r.predicate;
    if (!pairs.has(key)) pairs.set(key, []);
    pairs.get(key)!.push({ k, predicate });
  });
  const consistent: number[] = [];
  for (const said of pairs.values()) {
    const first = said[0];
    const odd = said.filter((s) => s.predicate !== first.predicate);
    if (!odd.length) consistent.push(...said.map((s) => s.k));
    for (const s of odd) {
      warnings.push({
        kind: 'pair',
        path: `relations[${s.k}]`,
        relations: [first.k, s.k],
        message: `${describeRelation(graph, s.k)} contradicts relations[${first.k}]: ${describeRelation(graph, first.k)}`,
      });
    }
  }

  // Cycles: per order, the strongly connected parts of its edges, one cycle reported for each.
  for (const order of ['left of', 'above', 'inside']) {
    const edges = new Map<string, { to: string; k: number }[]>();
    for (const k of consistent) {
      const r = graph.relations[k];
      const o = ORDER[r.predicate as GeometricPredicate];
      if (o.order !== order) continue;
      const [from, to] = o.forward ? [r.subject, r.object] : [r.object, r.subject];
      if (!edges.has(from)) edges.set(from, []);
      edges.get(from)!.push({ to, k });
    }
    for (const part of stronglyConnected([...rank.keys()], edges)) {
      if (part.length < 2) continue;
      const cycle = shortestCycle(part[0], new Set(part), edges);
      const ids = [...cycle.map((k) => edgeStart(graph, k)), part[0]];
      warnings.push({
        kind: 'cycle',
        path: `relations[${cycle[0]}]`,
        relations: cycle,
        message: `a cycle of "${order}" cannot hold: ${ids.map((id) => describeObject(graph, id)).join(` ${order} `)} (relations ${cycle.join(', ')})`,
      });
    }
  }

  for (const k of relationsBrokenByBoxes(graph)) {
    warnings.push({
      kind: 'box',
      path: `relations[${k}]`,
      relations: [k],
      message: describeBroken(graph, k),
    });
  }
  // In the order of the relation each names in its path.
  const at = (w: GraphWarning) => Number(/\d+/.exec(w.path)![0]);
  return warnings.sort((a, b) => at(a) - at(b));
}

/** The object a geometric relation's order edge leaves from (the left, higher or inner one). */
function edgeStart(graph: SceneGraph, k: number): string {
  const r = graph.relations[k];
  return ORDER[r.predicate as GeometricPredicate].forward ? r.subject : r.object;
}

/** Tarjan's strongly connected components of a small directed graph. */
function stronglyConnected(nodes: string[], edges: Map<string, { to: string }[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const parts: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of edges.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      parts.push(part.reverse());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return parts;
}

/** Relation indices of a shortest cycle through `start` within `part` (breadth-first). */
function shortestCycle(
  start: string,
  part: Set<string>,
  edges: Map<string, { to: string; k: number }[]>,
): number[] {
  const via = new Map<string, { from: string; k: number }>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const { to, k } of edges.get(v) ?? []) {
      if (!part.has(to) || via.has(to)) continue;
      via.set(to, { from: v, k });
      if (to === start) {
        const ks: number[] = [];
        for (let w = start; ;) {
          const step = via.get(w)!;
          ks.unshift(step.k);
          w = step.from;
          if (w === start) return ks;
        }
      }
      queue.push(to);
    }
  }
  return [];
}
