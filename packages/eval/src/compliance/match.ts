import {
  GEOMETRIC_PREDICATES,
  relationFromBoxes,
  type Box,
  type SceneGraph,
} from '@sgdiff/scene-graph';

/** A predicted instance as compliance sees it: a class label and a box. */
export interface LabelledBox {
  label: string;
  box: Box;
  score?: number;
}

/** A geometric relation of the graph: `drawn` is absent when either object was not found. */
export interface RelationCheck {
  predicate: string;
  drawn?: string;
}

/** How one graph fares against what the oracle found in its image. */
export interface GraphCompliance {
  objects: number;
  /** Graph objects matched to a distinct detection of their label. */
  found: number;
  /** Relations with a geometric predicate (others, e.g. `__in_image__`, are not checked). */
  relations: number;
  /** Relations whose matched boxes give the same predicate under `relationFromBoxes`. */
  satisfied: number;
  /** Per checked relation (in graph order): its predicate, and what the matched boxes give. */
  checked: RelationCheck[];
  /** Per graph object (by index), the detection it was matched to, or -1. */
  assignment: number[];
}

const GEOMETRIC = new Set<string>(GEOMETRIC_PREDICATES);

/** More assignments than this and duplicates are matched greedily by score instead. */
const MAX_ASSIGNMENTS = 20000;

/**
 * Matches graph objects to detections and scores the graph.
 *
 * Objects are matched within their label, each to a distinct detection. A graph names instances
 * of one label only through its relations ("red circle#2 above sky"), so when a label appears more
 * than once, or has more detections than graph objects, the matching chosen is the one that
 * satisfies the most relations. Each label considers its best k + 1 detections (k = its objects
 * in the graph); past MAX_ASSIGNMENTS combinations, objects take detections in score order.
 * `detections` must be sorted best first.
 */
export function matchGraph(graph: SceneGraph, detections: LabelledBox[]): GraphCompliance {
  const byLabel = new Map<string, number[]>(); // label → graph object indices
  graph.objects.forEach((o, i) => byLabel.set(o.label, [...(byLabel.get(o.label) ?? []), i]));
  const candidates = new Map<string, number[]>(); // label → detection indices, best first
  for (const [label, objs] of byLabel) {
    const dets = detections.flatMap((d, j) => (d.label === label ? [j] : []));
    candidates.set(label, dets.slice(0, objs.length + 1));
  }
  const index = new Map(graph.objects.map((o, i) => [o.id, i]));
  const rels = graph.relations.filter(
    (r) => GEOMETRIC.has(r.predicate) && index.has(r.subject) && index.has(r.object),
  );

  const assignment = new Array<number>(graph.objects.length).fill(-1);
  const score = (a: number[]) => {
    let ok = 0;
    for (const r of rels) {
      const s = a[index.get(r.subject)!];
      const o = a[index.get(r.object)!];
      if (
        s >= 0 &&
        o >= 0 &&
        relationFromBoxes(detections[s].box, detections[o].box) === r.predicate
      )
        ok++;
    }
    return ok;
  };

  // Per label, every injective map of its objects onto its candidates (as many as can be found).
  const options: { objs: number[]; maps: number[][] }[] = [];
  let combos = 1;
  for (const [label, objs] of byLabel) {
    const maps = injections(objs.length, candidates.get(label)!);
    options.push({ objs, maps });
    combos *= maps.length;
  }
  if (combos > MAX_ASSIGNMENTS) {
    for (const { objs, maps } of options) objs.forEach((o, i) => (assignment[o] = maps[0][i]));
  } else {
    let best = -1;
    const current = assignment.slice();
    const walk = (d: number) => {
      if (d === options.length) {
        const s = score(current);
        if (s > best) {
          best = s;
          current.forEach((v, i) => (assignment[i] = v));
        }
        return;
      }
      const { objs, maps } = options[d];
      for (const m of maps) {
        objs.forEach((o, i) => (current[o] = m[i]));
        walk(d + 1);
      }
    };
    walk(0);
  }
  const checked = rels.map((r): RelationCheck => {
    const s = assignment[index.get(r.subject)!];
    const o = assignment[index.get(r.object)!];
    return s >= 0 && o >= 0
      ? { predicate: r.predicate, drawn: relationFromBoxes(detections[s].box, detections[o].box) }
      : { predicate: r.predicate };
  });
  return {
    objects: graph.objects.length,
    found: assignment.filter((a) => a >= 0).length,
    relations: rels.length,
    satisfied: checked.filter((c) => c.drawn === c.predicate).length,
    checked,
    assignment,
  };
}

/**
 * Injective maps of k objects onto distinct candidates, using min(k, candidates) of them; objects
 * left over get -1. The first map is the greedy one (objects take candidates in order).
 */
function injections(k: number, cands: number[]): number[][] {
  const use = Math.min(k, cands.length);
  const out: number[][] = [];
  const cur = new Array<number>(k).fill(-1);
  const used = new Set<number>();
  // Which objects get a detection: any `use` of them (all, in the usual case of enough detections).
  const pick = (obj: number, placed: number) => {
    if (placed === use) {
      out.push(cur.slice());
      return;
    }
    if (k - obj < use - placed) return;
    for (const c of cands) {
      if (used.has(c)) continue;
      used.add(c);
      cur[obj] = c;
      pick(obj + 1, placed + 1);
      used.delete(c);
      cur[obj] = -1;
    }
    if (k - obj > use - placed) pick(obj + 1, placed);
  };
  pick(0, 0);
  return out.length ? out : [cur.slice()];
}
