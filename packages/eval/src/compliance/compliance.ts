import type { Box, SceneGraph } from '@sgdiff/scene-graph';
import { EvalError } from '../errors.js';
import { matchGraph, type GraphCompliance, type LabelledBox } from './match.js';

export interface ComplianceSummary {
  images: number;
  objects: number;
  found: number;
  /** found / objects. */
  objectRecall: number;
  relations: number;
  satisfied: number;
  /** satisfied / relations. */
  relationAccuracy: number;
  /** Relations whose subject and object were both found. */
  bothFound: number;
  /** satisfied / bothFound: placement alone, apart from finding the objects. */
  relationAccuracyFound: number;
  /** Per geometric predicate asked for (see PredicateCompliance). */
  byPredicate: Record<string, PredicateCompliance>;
  /** Per object label: how many graph objects carry it, and how many of them were found. */
  byLabel: Record<string, LabelRecall>;
  /**
   * Per box size (`sizeBin`), over the objects whose graph gives a box: pass the layouts images
   * were drawn in (or the real boxes) to see which sizes are missed.
   */
  bySize: Record<string, LabelRecall>;
  /**
   * For missed objects, what the image drew instead: `substitutions[wanted][drawn]` counts the
   * missed objects of label `wanted` whose image has a detection of `drawn` that no graph object
   * claimed (each such label once per missed object).
   */
  substitutions: Record<string, Record<string, number>>;
  perImage: GraphCompliance[];
}

/** One predicate's relations: how many, how many had both objects found, how many held. */
export interface PredicateCompliance {
  relations: number;
  bothFound: number;
  satisfied: number;
  /** For the relations with both objects found: the predicate their boxes give, and how often. */
  drawn: Record<string, number>;
}

export interface LabelRecall {
  objects: number;
  found: number;
}

/** Upper edges of the size bins: a box's side (√area), as a share of the image side. */
export const SIZE_BIN_EDGES = [0.15, 0.2, 0.25, 0.3, 0.5] as const;

/** The `bySize` bin of a box, e.g. "0.15–0.2", "<0.15", "≥0.5"; the bins in order are `sizeBins()`. */
export function sizeBin(box: Box): string {
  const side = Math.sqrt(Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]));
  const k = SIZE_BIN_EDGES.findIndex((e) => side < e);
  return sizeBins()[k < 0 ? SIZE_BIN_EDGES.length : k];
}

export function sizeBins(): string[] {
  const e = SIZE_BIN_EDGES;
  return [`<${e[0]}`, ...e.slice(1).map((b, i) => `${e[i]}–${b}`), `≥${e[e.length - 1]}`];
}

/**
 * Object recall and relation accuracy of images against the graphs they were made from, given
 * what a detector (the synthetic oracle) found in each image, best detection first.
 */
export function complianceMetrics(
  graphs: SceneGraph[],
  detections: LabelledBox[][],
): ComplianceSummary {
  if (graphs.length !== detections.length) {
    throw new EvalError(
      `compliance: ${graphs.length} graphs but detections for ${detections.length} images`,
    );
  }
  const perImage = graphs.map((g, i) => matchGraph(g, detections[i]));
  const sum = (f: (c: GraphCompliance) => number) => perImage.reduce((a, c) => a + f(c), 0);
  const objects = sum((c) => c.objects);
  const found = sum((c) => c.found);
  const relations = sum((c) => c.relations);
  const satisfied = sum((c) => c.satisfied);
  const byLabel: Record<string, LabelRecall> = {};
  const bySize: Record<string, LabelRecall> = {};
  const count = (table: Record<string, LabelRecall>, key: string, found: boolean) => {
    const r = (table[key] ??= { objects: 0, found: 0 });
    r.objects++;
    if (found) r.found++;
  };
  graphs.forEach((g, i) =>
    g.objects.forEach((o, j) => {
      const found = perImage[i].assignment[j] >= 0;
      count(byLabel, o.label, found);
      if (o.box) count(bySize, sizeBin(o.box), found);
    }),
  );
  const byPredicate: Record<string, PredicateCompliance> = {};
  for (const { predicate, drawn } of perImage.flatMap((c) => c.checked)) {
    const p = (byPredicate[predicate] ??= { relations: 0, bothFound: 0, satisfied: 0, drawn: {} });
    p.relations++;
    if (drawn === undefined) continue;
    p.bothFound++;
    p.drawn[drawn] = (p.drawn[drawn] ?? 0) + 1;
    if (drawn === predicate) p.satisfied++;
  }
  const bothFound = Object.values(byPredicate).reduce((n, p) => n + p.bothFound, 0);
  const substitutions: Record<string, Record<string, number>> = {};
  graphs.forEach((g, i) => {
    const claimed = new Set(perImage[i].assignment);
    const unclaimed = new Set(detections[i].flatMap((d, j) => (claimed.has(j) ? [] : [d.label])));
    g.objects.forEach((o, j) => {
      if (perImage[i].assignment[j] >= 0) return;
      const row = (substitutions[o.label] ??= {});
      for (const drawn of unclaimed) row[drawn] = (row[drawn] ?? 0) + 1;
    });
  });
  return {
    images: graphs.length,
    objects,
    found,
    objectRecall: objects ? found / objects : NaN,
    relations,
    satisfied,
    relationAccuracy: relations ? satisfied / relations : NaN,
    bothFound,
    relationAccuracyFound: bothFound ? satisfied / bothFound : NaN,
    byPredicate,
    byLabel,
    bySize,
    substitutions,
    perImage,
  };
}
