import type { Box, SceneGraph } from '@sgdiff/scene-graph';
import { EvalError } from '../errors.js';
import { complianceMetrics, sizeBin, sizeBins } from './compliance.js';
import { matchGraph, type LabelledBox } from './match.js';

// Hand-made layouts; expected predicates worked out from relationFromBoxes' rule by hand.
const L: Box = [0.1, 0.4, 0.3, 0.6]; // left, centre (0.2, 0.5)
const R: Box = [0.7, 0.4, 0.9, 0.6]; // right, centre (0.8, 0.5)
const TOP: Box = [0.4, 0.05, 0.6, 0.25]; // above the middle
const SKY: Box = [0, 0, 1, 0.5];
const BIG: Box = [0.3, 0.3, 0.8, 0.8];
const SMALL: Box = [0.45, 0.45, 0.6, 0.6]; // strictly inside BIG

const det = (label: string, box: Box, score = 0.9): LabelledBox => ({ label, box, score });

describe('matchGraph', () => {
  it('counts found objects and satisfied relations', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
        { id: 'c', label: 'green triangle' },
      ],
      relations: [
        { subject: 'a', predicate: 'left of', object: 'b' }, // true: dx < 0, θ = π
        { subject: 'c', predicate: 'above', object: 'a' }, // true: c at (0.5, 0.15), a at (0.2, 0.5): θ = atan2(−0.35, 0.3) ≈ −0.86 < −π/4
        { subject: 'b', predicate: 'below', object: 'c' }, // true: (0.8, 0.5) − (0.5, 0.15) = (0.3, 0.35), θ ≈ 0.86 > π/4
      ],
    };
    const r = matchGraph(g, [
      det('red circle', L),
      det('blue square', R),
      det('green triangle', TOP),
    ]);
    expect(r).toMatchObject({
      objects: 3,
      found: 3,
      relations: 3,
      satisfied: 3,
      assignment: [0, 1, 2],
    });
  });

  it('fails relations whose endpoint is missing, and wrong predicates', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
        { id: 's', label: 'sky' },
      ],
      relations: [
        { subject: 'a', predicate: 'right of', object: 'b' }, // a is left of b: false
        { subject: 'a', predicate: 'inside', object: 's' }, // sky not detected: false
      ],
    };
    const r = matchGraph(g, [det('red circle', L), det('blue square', R)]);
    expect(r).toMatchObject({ objects: 3, found: 2, relations: 2, satisfied: 0 });
    expect(r.assignment).toEqual([0, 1, -1]);
  });

  it('checks inside / surrounding strictly', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'o', label: 'white square' },
        { id: 'i', label: 'red circle' },
        { id: 's', label: 'sky' },
      ],
      relations: [
        { subject: 'i', predicate: 'inside', object: 'o' },
        { subject: 'o', predicate: 'surrounding', object: 'i' },
        { subject: 's', predicate: 'surrounding', object: 'o' }, // BIG reaches y = 0.8 > 0.5: not surrounded; centres (0.5,0.25) vs (0.55,0.55) → above
      ],
    };
    const r = matchGraph(g, [det('white square', BIG), det('red circle', SMALL), det('sky', SKY)]);
    expect(r.satisfied).toBe(2);
  });

  it('matches duplicate labels by the relations they take part in', () => {
    // "red circle #1 left of red circle #2": the detections come best-score first in the wrong
    // order; the matching must swap them.
    const g: SceneGraph = {
      objects: [
        { id: 'x', label: 'red circle' },
        { id: 'y', label: 'red circle' },
      ],
      relations: [{ subject: 'x', predicate: 'left of', object: 'y' }],
    };
    const r = matchGraph(g, [det('red circle', R, 0.95), det('red circle', L, 0.9)]);
    expect(r).toMatchObject({ found: 2, satisfied: 1, assignment: [1, 0] });
    // One detection for two objects: one found, and the relation cannot hold.
    expect(matchGraph(g, [det('red circle', L)])).toMatchObject({ found: 1, satisfied: 0 });
  });

  it('may pick a lower-scored detection of a label when it satisfies more relations', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
      ],
      relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
    };
    const r = matchGraph(g, [
      det('blue square', R),
      det('red circle', [0.85, 0.45, 0.95, 0.55], 0.9),
      det('red circle', L, 0.5),
    ]);
    expect(r).toMatchObject({ found: 2, satisfied: 1, assignment: [2, 0] });
  });

  it('ignores non-geometric predicates', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
      ],
      relations: [{ subject: 'a', predicate: 'holding', object: 'b' }],
    };
    expect(matchGraph(g, [det('red circle', L), det('blue square', R)])).toMatchObject({
      relations: 0,
      satisfied: 0,
      found: 2,
    });
  });
});

describe('complianceMetrics', () => {
  it('sums over images', () => {
    const g1: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
      ],
      relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
    };
    const g2: SceneGraph = {
      objects: [
        { id: 'a', label: 'sky' },
        { id: 'b', label: 'grass' },
      ],
      relations: [{ subject: 'a', predicate: 'above', object: 'b' }],
    };
    const c = complianceMetrics(
      [g1, g2],
      [[det('red circle', L), det('blue square', R)], [det('sky', SKY)]],
    );
    expect(c).toMatchObject({ images: 2, objects: 4, found: 3, relations: 2, satisfied: 1 });
    expect(c.objectRecall).toBeCloseTo(0.75, 12);
    expect(c.relationAccuracy).toBeCloseTo(0.5, 12);
    expect(c.byLabel).toEqual({
      'red circle': { objects: 1, found: 1 },
      'blue square': { objects: 1, found: 1 },
      sky: { objects: 1, found: 1 },
      grass: { objects: 1, found: 0 },
    });
  });

  it('counts recall per label across images and repeated labels', () => {
    const twins: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'red circle' },
      ],
      relations: [],
    };
    const c = complianceMetrics(
      [twins, twins],
      [[det('red circle', L)], [det('red circle', L), det('red circle', R)]],
    );
    expect(c.byLabel).toEqual({ 'red circle': { objects: 4, found: 3 } });
  });

  it('bins recall by box side (√area), over the objects that have boxes', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle', box: [0, 0, 0.1, 0.1] }, // side 0.1
        { id: 'b', label: 'blue square', box: [0.5, 0.5, 0.72, 0.72] }, // 0.22
        { id: 'c', label: 'sky', box: [0, 0, 1, 0.5] }, // √0.5 ≈ 0.71
        { id: 'd', label: 'grass' },
      ],
      relations: [],
    };
    const c = complianceMetrics([g], [[det('blue square', R), det('sky', SKY)]]);
    expect(c.bySize).toEqual({
      '<0.15': { objects: 1, found: 0 },
      '0.2–0.25': { objects: 1, found: 1 },
      '≥0.5': { objects: 1, found: 1 },
    });
    expect(sizeBins()).toEqual(['<0.15', '0.15–0.2', '0.2–0.25', '0.25–0.3', '0.3–0.5', '≥0.5']);
    expect(sizeBin([0, 0, 0.3, 0.3])).toBe('0.3–0.5');
    expect(sizeBin([0, 0, 0.14, 0.16])).toBe('<0.15');
    expect(complianceMetrics([{ ...g, objects: [g.objects[3]] }], [[]]).bySize).toEqual({});
  });

  it('counts, for each missed object, the unclaimed labels its image drew instead', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'red circle' },
        { id: 'c', label: 'blue square' },
      ],
      relations: [],
    };
    // Image 1: one red circle found, one missed; a red square and a second blue square unclaimed.
    // Image 2: everything found; the extra cyan circle is no substitution for anything.
    // Image 3: the blue square missed, nothing unclaimed drawn.
    const c = complianceMetrics(
      [g, g, g],
      [
        [
          det('red circle', L),
          det('blue square', R),
          det('red square', TOP),
          det('blue square', SKY),
        ],
        [
          det('red circle', L),
          det('red circle', R),
          det('blue square', TOP),
          det('cyan circle', SKY),
        ],
        [det('red circle', L), det('red circle', R)],
      ],
    );
    expect(c.substitutions).toEqual({
      'red circle': { 'red square': 1, 'blue square': 1 },
      'blue square': {},
    });
  });

  it('splits relations by predicate: both found, held, and what the boxes gave instead', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
        { id: 'c', label: 'green triangle' },
        { id: 's', label: 'sky' },
      ],
      relations: [
        { subject: 'a', predicate: 'left of', object: 'b' },
        { subject: 'b', predicate: 'left of', object: 'a' }, // the boxes give right of
        { subject: 'c', predicate: 'above', object: 'a' }, // c never found
        { subject: 'a', predicate: '__in_image__', object: 's' }, // not geometric: not counted
      ],
    };
    // Image 1 draws a, b and sky; image 2 only a.
    const c = complianceMetrics(
      [g, g],
      [[det('red circle', L), det('blue square', R), det('sky', SKY)], [det('red circle', L)]],
    );
    expect(c.byPredicate).toEqual({
      'left of': {
        relations: 4,
        bothFound: 2,
        satisfied: 1,
        drawn: { 'left of': 1, 'right of': 1 },
      },
      above: { relations: 2, bothFound: 0, satisfied: 0, drawn: {} },
    });
    expect(c).toMatchObject({ relations: 6, satisfied: 1, bothFound: 2 });
    expect(c.relationAccuracyFound).toBeCloseTo(0.5, 12);
    expect(complianceMetrics([g], [[]]).relationAccuracyFound).toBeNaN();
  });

  it('rejects a detection list per image that does not match the graphs', () => {
    expect(() => complianceMetrics([{ objects: [], relations: [] }], [])).toThrow(EvalError);
  });
});
