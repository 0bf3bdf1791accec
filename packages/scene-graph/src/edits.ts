import { SceneGraphError } from './errors.js';
import { validateSceneGraph } from './parse.js';
import type { Box, Relation, SceneGraph, SceneObject } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * Edits for semantic manipulation. Each is pure: it returns a new graph and the ids of the
 * objects whose own description or relations changed. With a vocabulary, the result is
 * validated and labels come back canonical.
 */
export interface EditResult {
  graph: SceneGraph;
  touched: string[];
}

function clone(g: SceneGraph): SceneGraph {
  return structuredClone(g);
}

function finish(graph: SceneGraph, touched: string[], vocab?: Vocabulary): EditResult {
  return {
    graph: vocab ? validateSceneGraph(graph, vocab) : graph,
    touched: [...new Set(touched)],
  };
}

function requireObject(g: SceneGraph, id: string, what = 'object'): SceneObject {
  const o = g.objects.find((x) => x.id === id);
  if (!o) throw new SceneGraphError([{ path: 'objects', message: `no ${what} with id "${id}"` }]);
  return o;
}

function requireRelation(g: SceneGraph, index: number): Relation {
  const r = g.relations[index];
  if (!r) {
    throw new SceneGraphError([
      {
        path: 'relations',
        message: `no relation at index ${index} (graph has ${g.relations.length})`,
      },
    ]);
  }
  return r;
}

export function addObject(graph: SceneGraph, object: SceneObject, vocab?: Vocabulary): EditResult {
  if (graph.objects.some((o) => o.id === object.id)) {
    throw new SceneGraphError([{ path: 'objects', message: `id "${object.id}" already exists` }]);
  }
  const g = clone(graph);
  g.objects.push(structuredClone(object));
  return finish(g, [object.id], vocab);
}

/** Removes the object and every relation it takes part in. */
export function removeObject(graph: SceneGraph, id: string): EditResult {
  requireObject(graph, id);
  const g = clone(graph);
  const partners = g.relations.flatMap((r) =>
    r.subject === id ? [r.object] : r.object === id ? [r.subject] : [],
  );
  g.objects = g.objects.filter((o) => o.id !== id);
  g.relations = g.relations.filter((r) => r.subject !== id && r.object !== id);
  return finish(g, [id, ...partners]);
}

export function relabelObject(
  graph: SceneGraph,
  id: string,
  label: string,
  vocab?: Vocabulary,
): EditResult {
  const g = clone(graph);
  requireObject(g, id).label = label;
  return finish(g, [id], vocab);
}

export function addRelation(graph: SceneGraph, relation: Relation, vocab?: Vocabulary): EditResult {
  requireObject(graph, relation.subject, 'subject');
  requireObject(graph, relation.object, 'object');
  const g = clone(graph);
  g.relations.push({ ...relation });
  return finish(g, [relation.subject, relation.object], vocab);
}

export function removeRelation(graph: SceneGraph, index: number): EditResult {
  const r = requireRelation(graph, index);
  const g = clone(graph);
  g.relations.splice(index, 1);
  return finish(g, [r.subject, r.object]);
}

export function changePredicate(
  graph: SceneGraph,
  index: number,
  predicate: string,
  vocab?: Vocabulary,
): EditResult {
  const r = requireRelation(graph, index);
  const g = clone(graph);
  g.relations[index].predicate = predicate;
  return finish(g, [r.subject, r.object], vocab);
}

/** Sets (or, with `undefined`, clears) an object's box. */
export function moveBox(
  graph: SceneGraph,
  id: string,
  box: Box | undefined,
  vocab?: Vocabulary,
): EditResult {
  const g = clone(graph);
  const o = requireObject(g, id);
  if (box) o.box = [...box];
  else delete o.box;
  return finish(g, [id], vocab);
}
