// Reading what the user typed: the text syntax, or JSON (parseSceneGraphSource decides).
import {
  parseSceneGraphSource,
  SceneGraphError,
  type SceneGraph,
  type SceneGraphIssue,
  type Vocabulary,
} from '@sgdiff/scene-graph';

export type GraphInput = { ok: true; graph: SceneGraph } | { ok: false; issues: SceneGraphIssue[] };

export function readGraphInput(text: string, vocab: Vocabulary, maxObjects?: number): GraphInput {
  try {
    const opts = { maxObjects };
    const graph = parseSceneGraphSource(text, vocab, opts);
    return { ok: true, graph };
  } catch (e) {
    if (e instanceof SceneGraphError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ path: '', message: (e as Error).message }] };
  }
}

/** Issues whose path is `objects[i]…` or `relations[j]…`, grouped by index, for inline display. */
export function issuesByItem(issues: SceneGraphIssue[]): {
  objects: Map<number, SceneGraphIssue[]>;
  relations: Map<number, SceneGraphIssue[]>;
  other: SceneGraphIssue[];
} {
  const objects = new Map<number, SceneGraphIssue[]>();
  const relations = new Map<number, SceneGraphIssue[]>();
  const other: SceneGraphIssue[] = [];
  for (const issue of issues) {
    const m = /^(objects|relations)\[(\d+)\]/.exec(issue.path);
    if (!m) {
      other.push(issue);
      continue;
    }
    const map = m[1] === 'objects' ? objects : relations;
    const i = Number(m[2]);
    map.set(i, [...(map.get(i) ?? []), issue]);
  }
  return { objects, relations, other };
}

/** The 1-based clause number of a text-syntax issue (`clause 3 ("…")`), if it has one. */
export function clauseOf(issue: SceneGraphIssue): number | undefined {
  const m = /^clause (\d+)/.exec(issue.path);
  return m ? Number(m[1]) : undefined;
}
