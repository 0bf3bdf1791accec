import type { LayoutPrior } from '../sample-layout.js';
import { GEOMETRIC_PREDICATES } from '../relation.js';
import { Vocabulary } from '../vocabulary.js';

/** The synthetic dataset's vocabulary is fixed (docs/architecture.md), so examples and tests agree. */
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

/**
 * The boxes the synthetic generator draws (`@sgdiff/datasets` reads its sizes from here), as a
 * layout prior for `sampleGraphLayout`: what a model with layout input trained on that data
 * expects. At 64 px the smallest thing is ~10 px wide. Inner things are 0.4–0.5 of their
 * container's side, centred; in a triangle 0.3–0.34, low (its inscribed square stands on the base).
 */
export const SYNTHETIC_LAYOUT_PRIOR: LayoutPrior = {
  stuff: [...SYNTHETIC_STUFF],
  stuffOnTop: ['sky'],
  bandSplit: [0.3, 0.7],
  thingSize: [0.18, 0.34],
  containerSize: [0.42, 0.54],
  innerScale: [0.4, 0.5],
  innerByContainer: { triangle: { scale: [0.3, 0.34], centre: [0.5, 0.7] } },
  maxOverlap: 0.2,
  margin: 0.02,
};

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
