import { SceneGraphError, type SceneGraphIssue } from './errors.js';
import { validateSceneGraph, type ParseOptions } from './parse.js';
import { didYouMean } from './suggest.js';
import type { SceneGraph, SceneObject } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * The compact text syntax: clauses separated by `;` or newlines, each `subject predicate object`
 * or a lone object label. Repeated labels are told apart by `#2`, `#3` (no suffix is `#1`).
 * Boxes and attributes exist only in JSON.
 *
 *   red circle left of blue square; blue square above grass
 *   red circle right of red circle #2
 */

interface Phrase {
  canon: string;
  len: number;
}

class PhraseMatcher {
  private readonly phrases = new Map<string, string>();
  private maxLen = 1;

  constructor(entries: Iterable<[string, string]>) {
    for (const [phrase, canon] of entries) {
      const key = phrase.toLowerCase().split(/\s+/).join(' ');
      this.phrases.set(key, canon);
      this.maxLen = Math.max(this.maxLen, key.split(' ').length);
    }
  }

  /** Longest known phrase starting at word `p`, so "red circle" wins over "red". */
  at(words: string[], p: number): Phrase | undefined {
    for (let len = Math.min(this.maxLen, words.length - p); len >= 1; len--) {
      const canon = this.phrases.get(words.slice(p, p + len).join(' '));
      if (canon !== undefined) return { canon, len };
    }
    return undefined;
  }

  words(): string[] {
    return [...this.phrases.keys()];
  }
}

interface Mention {
  label: string;
  instance: number;
}

function instanceAt(words: string[], p: number): { instance: number; len: number } {
  const m = /^#(\d+)$/.exec(words[p] ?? '');
  return m ? { instance: Number(m[1]), len: 1 } : { instance: 1, len: 0 };
}

function tokenize(clause: string): string[] {
  return clause
    .toLowerCase()
    .replace(/#\s*(\d+)/g, ' #$1 ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

function slug(label: string): string {
  return label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'object';
}

/**
 * Object order for a parsed text: each label's instances in ascending `#n`, lone clauses in
 * text order, otherwise first appearance. `formatSceneGraphText` numbers instances and lists
 * lone objects in object order, so this order makes format(parse(text)) give the text back.
 */
function orderObjects(
  appearance: string[],
  mentions: Map<string, Mention>,
  lone: string[],
): string[] {
  const rank = new Map(appearance.map((k, i) => [k, i]));
  const after = new Map<string, string[]>(appearance.map((k) => [k, []]));
  const indegree = new Map<string, number>(appearance.map((k) => [k, 0]));
  const edge = (a: string, b: string) => {
    after.get(a)!.push(b);
    indegree.set(b, indegree.get(b)! + 1);
  };
  const byLabel = new Map<string, string[]>();
  for (const k of appearance) {
    const label = mentions.get(k)!.label;
    byLabel.set(label, [...(byLabel.get(label) ?? []), k]);
  }
  for (const keys of byLabel.values()) {
    keys.sort((a, b) => mentions.get(a)!.instance - mentions.get(b)!.instance);
    for (let i = 1; i < keys.length; i++) edge(keys[i - 1], keys[i]);
  }
  for (let i = 1; i < lone.length; i++) edge(lone[i - 1], lone[i]);
  // Kahn's algorithm, earliest appearance first; on a cycle (only from non-canonical text such
  // as lone "x #2; x") the earliest remaining object goes next.
  const out: string[] = [];
  const left = new Set(appearance);
  while (left.size) {
    let next: string | undefined;
    for (const k of left) {
      if (indegree.get(k) === 0 && (next === undefined || rank.get(k)! < rank.get(next)!)) next = k;
    }
    next ??= [...left].sort((a, b) => rank.get(a)! - rank.get(b)!)[0];
    left.delete(next);
    out.push(next);
    for (const b of after.get(next)!) indegree.set(b, indegree.get(b)! - 1);
  }
  return out;
}

export function parseSceneGraphText(
  text: string,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  const objects = new PhraseMatcher(
    [...vocab.objectNames, ...vocab.objectAliasNames].map((n) => [n, vocab.resolveObject(n)!]),
  );
  const predicates = new PhraseMatcher(
    [...vocab.predicateNames, ...vocab.predicateAliasNames].map((n) => [
      n,
      vocab.resolvePredicate(n)!,
    ]),
  );
  const issues: SceneGraphIssue[] = [];
  const mentions = new Map<string, Mention>();
  const order: string[] = [];
  const relations: { s: string; p: string; o: string }[] = [];
  const loneKeys: string[] = [];
  const mention = (m: Mention) => {
    const key = `${m.label}#${m.instance}`;
    if (!mentions.has(key)) {
      mentions.set(key, m);
      order.push(key);
    }
    return key;
  };

  const clauses = text.split(/[;\n]/);
  if (clauses.every((c) => c.trim() === '')) {
    throw new SceneGraphError([{ path: '', message: 'input is empty' }]);
  }
  clauses.forEach((clause, ci): void => {
    const words = tokenize(clause);
    if (!words.length) return;
    const path = `clause ${ci + 1} ("${clause.trim()}")`;
    const unknownObject = (phrase: string[]) =>
      issues.push({
        path,
        message: `unknown object label "${phrase.join(' ')}"${didYouMean(phrase.join(' '), objects.words())}`,
      });
    // An object mention that runs to the end of the clause, starting at word p.
    const objectToEnd = (p: number) => {
      const m = objects.at(words, p);
      if (!m) return undefined;
      const inst = instanceAt(words, p + m.len);
      return p + m.len + inst.len === words.length ? { ...m, ...inst } : undefined;
    };

    const subj = objects.at(words, 0);
    if (!subj) {
      // Find where the predicate starts, to name the unknown subject precisely.
      for (let k = 1; k < words.length; k++) {
        const pred = predicates.at(words, k);
        if (pred && objectToEnd(k + pred.len)) {
          unknownObject(words.slice(0, k));
          return;
        }
      }
      unknownObject(words.filter((w) => !w.startsWith('#')));
      return;
    }
    const sInst = instanceAt(words, subj.len);
    let p = subj.len + sInst.len;
    const sKey = { label: subj.canon, instance: sInst.instance };
    if (p === words.length) {
      loneKeys.push(mention(sKey));
      return;
    }
    const pred = predicates.at(words, p);
    if (!pred) {
      for (let r = p + 1; r < words.length; r++) {
        if (objectToEnd(r)) {
          const phrase = words.slice(p, r).join(' ');
          issues.push({
            path,
            message: `unknown predicate "${phrase}"${didYouMean(phrase, predicates.words())}`,
          });
          return;
        }
      }
      issues.push({
        path,
        message: `cannot read "${words.slice(p).join(' ')}" after "${subj.canon}"; expected a predicate and an object`,
      });
      return;
    }
    p += pred.len;
    if (p === words.length) {
      issues.push({ path, message: `"${pred.canon}" has no object after it` });
      return;
    }
    const obj = objects.at(words, p);
    if (!obj) {
      unknownObject(words.slice(p).filter((w) => !w.startsWith('#')));
      return;
    }
    const oInst = instanceAt(words, p + obj.len);
    if (p + obj.len + oInst.len !== words.length) {
      issues.push({
        path,
        message: `unexpected "${words.slice(p + obj.len + oInst.len).join(' ')}" after the object; use ";" between clauses`,
      });
      return;
    }
    relations.push({
      s: mention(sKey),
      p: pred.canon,
      o: mention({ label: obj.canon, instance: oInst.instance }),
    });
  });
  if (issues.length) throw new SceneGraphError(issues);

  const finalOrder = orderObjects(order, mentions, loneKeys);
  const used = new Set<string>();
  const idOf = new Map<string, string>();
  const seenPerLabel = new Map<string, number>();
  const objectsOut: SceneObject[] = finalOrder.map((key) => {
    const label = mentions.get(key)!.label;
    const k = seenPerLabel.get(label) ?? 0;
    seenPerLabel.set(label, k + 1);
    let id = `${slug(label)}${k ? `-${k + 1}` : ''}`;
    while (used.has(id)) id += "'";
    used.add(id);
    idOf.set(key, id);
    return { id, label };
  });
  return validateSceneGraph(
    {
      objects: objectsOut,
      relations: relations.map((r) => ({
        subject: idOf.get(r.s)!,
        predicate: r.p,
        object: idOf.get(r.o)!,
      })),
    },
    vocab,
    options,
  );
}

export interface FormatOptions {
  /** Between clauses; `'; '` by default, `'\n'` for one clause per line. */
  separator?: string;
}

/**
 * Text form of a graph: one clause per relation, then a lone clause for each object in no
 * relation. Boxes and attributes are dropped. `parseSceneGraphText` inverts it.
 */
export function formatSceneGraphText(
  graph: SceneGraph,
  { separator = '; ' }: FormatOptions = {},
): string {
  const counts = new Map<string, number>();
  const names = new Map<string, string>();
  for (const o of graph.objects) {
    const n = (counts.get(o.label) ?? 0) + 1;
    counts.set(o.label, n);
    names.set(o.id, n > 1 ? `${o.label} #${n}` : o.label);
  }
  const inRelation = new Set(graph.relations.flatMap((r) => [r.subject, r.object]));
  const name = (id: string) => {
    const n = names.get(id);
    if (n === undefined) {
      throw new SceneGraphError([
        { path: 'relations', message: `refers to missing object id "${id}"` },
      ]);
    }
    return n;
  };
  return [
    ...graph.relations.map((r) => `${name(r.subject)} ${r.predicate} ${name(r.object)}`),
    ...graph.objects.filter((o) => !inRelation.has(o.id)).map((o) => names.get(o.id)!),
  ].join(separator);
}
