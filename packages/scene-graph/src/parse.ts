import { SceneGraphError, type SceneGraphIssue } from './errors.js';
import { BoxSchema, SceneGraphSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Box, SceneGraph } from './types.js';
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
    // A type error in one object must not hide the others: the fields that are well typed still
    // get the vocabulary and structure checks, so every problem is listed at once.
    const typeIssues = parsed.error.issues.map((i) => ({
      path: formatPath(i.path),
      message: describeTypeIssue(i),
    }));
    const { issues } = checkSceneGraph(wellTypedParts(value), vocab, options);
    throw new SceneGraphError(sortByPath([...typeIssues, ...issues]));
  }
  return validateSceneGraph(parsed.data, vocab, options);
}

/** Vocabulary and structure checks on a structurally typed graph; returns a canonical copy. */
export function validateSceneGraph(
  graph: SceneGraph,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  const { issues, graph: out } = checkSceneGraph(graph, vocab, options);
  if (issues.length) throw new SceneGraphError(issues);
  return out;
}

/** A graph whose fields may be missing where the input had the wrong type. */
interface PartialGraph {
  objects: Partial<SceneGraph['objects'][number]>[];
  relations: Partial<SceneGraph['relations'][number]>[];
}

/**
 * The well-typed fields of an input that failed the schema, at their original indices (so
 * paths stay right): a non-empty string id, label, subject…, a 4-number box, string attributes.
 */
function wellTypedParts(value: unknown): PartialGraph {
  const record = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const root = record(value);
  return {
    objects: list(root.objects).map((v) => {
      const o = record(v);
      const box = BoxSchema.safeParse(o.box);
      const attributes = list(o.attributes);
      return {
        id: text(o.id),
        label: text(o.label),
        box: box.success ? (box.data as Box) : undefined,
        attributes:
          Array.isArray(o.attributes) && attributes.every((a) => typeof a === 'string')
            ? (attributes as string[])
            : undefined,
      };
    }),
    relations: list(root.relations).map((v) => {
      const r = record(v);
      return { subject: text(r.subject), predicate: text(r.predicate), object: text(r.object) };
    }),
  };
}

/** zod's message, except a box of the wrong length, which says what a box is. */
function describeTypeIssue(issue: {
  code: string;
  path: readonly PropertyKey[];
  message: string;
}): string {
  const last = issue.path[issue.path.length - 1];
  if (last === 'box' && (issue.code === 'too_small' || issue.code === 'too_big')) {
    return `box must be 4 numbers [x0, y0, x1, y1]; ${issue.message.toLowerCase()}`;
  }
  return issue.message;
}

/** Issues in document order: objects[0] before objects[1] before relations[0]. */
function sortByPath(issues: SceneGraphIssue[]): SceneGraphIssue[] {
  const key = (path: string) => {
    const m = /^(objects|relations)\[(\d+)\]/.exec(path);
    return m ? [m[1] === 'objects' ? 1 : 2, Number(m[2])] : [0, 0];
  };
  return issues
    .map((issue, i) => ({ issue, i, k: key(issue.path) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.issue);
}

/**
 * Every vocabulary and structure problem of `graph`, skipping the fields it lacks (already
 * reported as type errors), and its canonical copy (meaningful only without issues).
 */
function checkSceneGraph(
  graph: PartialGraph,
  vocab: Vocabulary,
  { maxObjects }: ParseOptions = {},
): { issues: SceneGraphIssue[]; graph: SceneGraph } {
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
    const first = o.id === undefined ? undefined : seen.get(o.id);
    if (first !== undefined) {
      issues.push({
        path: `${path}.id`,
        message: `duplicate id "${o.id}" (also objects[${first}])`,
      });
    } else if (o.id !== undefined) seen.set(o.id, i);
    const label = o.label === undefined ? undefined : vocab.resolveObject(o.label);
    if (o.label !== undefined && label === undefined) {
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
      id: o.id ?? '',
      label: label ?? o.label ?? '',
      ...(o.box ? { box: [...o.box] as typeof o.box } : {}),
      ...(o.attributes ? { attributes: [...o.attributes] } : {}),
    });
  });
  graph.relations.forEach((r, i) => {
    const path = `relations[${i}]`;
    for (const end of ['subject', 'object'] as const) {
      const id = r[end];
      if (id !== undefined && !seen.has(id)) {
        issues.push({ path: `${path}.${end}`, message: `refers to missing object id "${id}"` });
      }
    }
    if (r.subject !== undefined && r.subject === r.object) {
      issues.push({ path, message: `self-relation: "${r.subject}" ${r.predicate} itself` });
    }
    const predicate = r.predicate === undefined ? undefined : vocab.resolvePredicate(r.predicate);
    if (r.predicate !== undefined && predicate === undefined) {
      issues.push({
        path: `${path}.predicate`,
        message: `unknown predicate "${r.predicate}"${didYouMean(r.predicate, predicateWords)}`,
      });
    }
    out.relations.push({
      subject: r.subject ?? '',
      predicate: predicate ?? r.predicate ?? '',
      object: r.object ?? '',
    });
  });
  return { issues, graph: out };
}
