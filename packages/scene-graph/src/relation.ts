import type { Box, SceneGraph } from './types.js';

/** The six geometric predicates of `relationFromBoxes`, shared with COCO-Stuff. */
export const GEOMETRIC_PREDICATES = [
  'left of',
  'right of',
  'above',
  'below',
  'inside',
  'surrounding',
] as const;
export type GeometricPredicate = (typeof GEOMETRIC_PREDICATES)[number];

/**
 * The COCO-Stuff geometric rule (sg2im): containment first, strict on all four sides, then
 * the angle θ = atan2(dy, dx) between centres, subject minus object, with y pointing down.
 *
 *   |θ| ≥ 3π/4 → left of;  [−3π/4, −π/4) → above;  [−π/4, π/4) → right of;  [π/4, 3π/4) → below
 */
export function relationFromBoxes(subject: Box, object: Box): GeometricPredicate {
  const [sx0, sy0, sx1, sy1] = subject;
  const [ox0, oy0, ox1, oy1] = object;
  if (sx0 < ox0 && sx1 > ox1 && sy0 < oy0 && sy1 > oy1) return 'surrounding';
  if (sx0 > ox0 && sx1 < ox1 && sy0 > oy0 && sy1 < oy1) return 'inside';
  const dx = (sx0 + sx1) / 2 - (ox0 + ox1) / 2;
  const dy = (sy0 + sy1) / 2 - (oy0 + oy1) / 2;
  const theta = Math.atan2(dy, dx);
  if (theta >= (3 * Math.PI) / 4 || theta <= (-3 * Math.PI) / 4) return 'left of';
  if (theta < -Math.PI / 4) return 'above';
  if (theta < Math.PI / 4) return 'right of';
  return 'below';
}

/** The predicate that states the same fact with subject and object swapped. */
export const INVERSE_PREDICATE: Record<GeometricPredicate, GeometricPredicate> = {
  'left of': 'right of',
  'right of': 'left of',
  above: 'below',
  below: 'above',
  inside: 'surrounding',
  surrounding: 'inside',
};

/**
 * The graph that says the opposite about every relation: each predicate replaced by its
 * inverse (left of → right of, …), or, for a predicate without one, subject and object
 * swapped. Objects are kept. Used as the contrasting condition of relation guidance.
 */
export function invertRelations(
  graph: SceneGraph,
  inverses: Readonly<Record<string, string>> = INVERSE_PREDICATE,
): SceneGraph {
  return {
    objects: graph.objects.map((o) => structuredClone(o)),
    relations: graph.relations.map((r) => {
      const inverse = inverses[r.predicate];
      return inverse !== undefined
        ? { ...r, predicate: inverse }
        : { subject: r.object, predicate: r.predicate, object: r.subject };
    }),
  };
}
