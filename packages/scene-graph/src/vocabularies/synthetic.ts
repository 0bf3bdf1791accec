import { Vocabulary } from '../vocabulary.js';

/** The synthetic dataset's vocabulary is fixed (ARCHITECTURE.md), so examples and tests agree. */
export const SYNTHETIC_COLOURS = [
  'red',
  'green',
  'blue',
  'yellow',
  'purple',
  'orange',
  'cyan',
  'white',
] as const;
export const SYNTHETIC_SHAPES = ['circle', 'square', 'triangle'] as const;
/** Background regions, drawn first. */
export const SYNTHETIC_STUFF = ['sky', 'grass', 'water', 'sand'] as const;
export const SYNTHETIC_THINGS: string[] = SYNTHETIC_COLOURS.flatMap((c) =>
  SYNTHETIC_SHAPES.map((s) => `${c} ${s}`),
);
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

export function syntheticVocabulary(): Vocabulary {
  return Vocabulary.fromNames({
    name: 'synthetic',
    objects: [...SYNTHETIC_THINGS, ...SYNTHETIC_STUFF],
    predicates: [...GEOMETRIC_PREDICATES],
    predicateAliases: {
      'to the left of': 'left of',
      'to the right of': 'right of',
      over: 'above',
      under: 'below',
      in: 'inside',
      around: 'surrounding',
    },
    objectAliases: { ocean: 'water', lawn: 'grass', beach: 'sand' },
  });
}
