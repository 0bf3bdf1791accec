import { SceneGraphError, type SceneGraphIssue } from './errors.js';
import { SceneGraphSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import type { SceneGraph } from './types.js';
import type { Vocabulary } from './vocabulary.js';

export interface ParseOptions {
  /** Reject graphs with more objects than this (the model's token budget). */
  maxObjects?: number;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('');
}

/**
 * Parses and validates the JSON form (a string or an already-parsed value). Labels and
 * predicates given as aliases come back canonical. Throws SceneGraphError listing every problem.
 */
export function parseSceneGraph(
  input: unknown,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  let value = input;
  if (typeof input === 'string') {
    if (input.trim() === '') throw new SceneGraphError([{ path: '', message: 'input is empty' }]);
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new SceneGraphError([
        { path: '', message: `not valid JSON (${(e as Error).message})` },
      ]);
    }
  }
  if (value === undefined || value === null) {
    throw new SceneGraphError([{ path: '', message: 'input is empty' }]);
  }
  const parsed = SceneGraphSchema.safeParse(value);
  if (!parsed.success) {
    throw new SceneGraphError(
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return validateSceneGraph(parsed.data, vocab, options);
}

/** Vocabulary and structure checks on a structurally typed graph; returns a canonical copy. */
export function validateSceneGraph(
  graph: SceneGraph,
  vocab: Vocabulary,
  { maxObjects }: ParseOptions = {},
): SceneGraph {
  const issues: SceneGraphIssue[] = [];
  const objectWords = [...vocab.objectNames, ...vocab.objectAliasNames];
  const predicateWords = [...vocab.predicateNames, ...vocab.predicateAliasNames];
  const seen = new Map<string, number>();
  const out: SceneGraph = { objects: [], relations: [] };

  if (maxObjects !== undefined && graph.objects.length > maxObjects) {
    issues.push({
      path: 'objects',
      message: `${graph.objects.length} objects, more than the maximum of ${maxObjects}`,
    });
  }
  graph.objects.forEach((o, i) => {
    const path = `objects[${i}]`;
    const first = seen.get(o.id);
    if (first !== undefined) {
      issues.push({
        path: `${path}.id`,
        message: `duplicate id "${o.id}" (also objects[${first}])`,
      });
    } else seen.set(o.id, i);
    const label = vocab.resolveObject(o.label);
    if (label === undefined) {
      issues.push({
        path: `${path}.label`,
        message: `unknown object label "${o.label}"${didYouMean(o.label, objectWords)}`,
      });
    }
    if (o.box) {
      const [x0, y0, x1, y1] = o.box;
      if (!o.box.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) {
        issues.push({
          path: `${path}.box`,
          message: `box [${o.box.join(', ')}] is outside [0, 1]`,
        });
      }
      if (x1 <= x0 || y1 <= y0) {
        issues.push({
          path: `${path}.box`,
          message: `box [${o.box.join(', ')}] is inverted or empty (needs x0 < x1 and y0 < y1)`,
        });
      }
    }
    o.attributes?.forEach((a, j) => {
      if (!vocab.hasAttribute(a)) {
        issues.push({
          path: `${path}.attributes[${j}]`,
          message: `unknown attribute "${a}"${didYouMean(a, vocab.attributeNames)}`,
        });
      }
    });
    out.objects.push({
      id: o.id,
      label: label ?? o.label,
      ...(o.box ? { box: [...o.box] as typeof o.box } : {}),
      ...(o.attributes ? { attributes: [...o.attributes] } : {}),
    });
  });
  graph.relations.forEach((r, i) => {
    const path = `relations[${i}]`;
    for (const end of ['subject', 'object'] as const) {
      if (!seen.has(r[end])) {
        issues.push({ path: `${path}.${end}`, message: `refers to missing object id "${r[end]}"` });
      }
    }
    if (r.subject === r.object) {
      issues.push({ path, message: `self-relation: "${r.subject}" ${r.predicate} itself` });
    }
    const predicate = vocab.resolvePredicate(r.predicate);
    if (predicate === undefined) {
      issues.push({
        path: `${path}.predicate`,
        message: `unknown predicate "${r.predicate}"${didYouMean(r.predicate, predicateWords)}`,
      });
    }
    out.relations.push({
      subject: r.subject,
      predicate: predicate ?? r.predicate,
      object: r.object,
    });
  });
  if (issues.length) throw new SceneGraphError(issues);
  return out;
}
