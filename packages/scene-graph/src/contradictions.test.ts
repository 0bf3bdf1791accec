import {
  describeBrokenRelations,
  findContradictions,
  relationsBrokenByBoxes,
} from './contradictions.js';
import { parseSceneGraph } from './parse.js';
import { parseSceneGraphText } from './text.js';
import type { SceneGraph } from './types.js';
import { syntheticVocabulary } from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();
const text = (t: string) => parseSceneGraphText(t, vocab);

describe('findContradictions', () => {
  it('finds nothing in a graph that can be laid out', () => {
    expect(
      findContradictions(
        text('red circle left of blue square; blue square above grass; red circle right of sky'),
      ),
    ).toEqual([]);
    // The same fact stated twice, once from each side, is no contradiction.
    expect(
      findContradictions(text('red circle left of blue square; blue square right of red circle')),
    ).toEqual([]);
  });

  it('warns when A is left of B and B is left of A', () => {
    const g = text('red circle left of blue square; blue square left of red circle');
    const w = findContradictions(g);
    expect(w).toEqual([
      {
        kind: 'pair',
        path: 'relations[1]',
        relations: [0, 1],
        message:
          '"blue-square" (blue square) left of "red-circle" (red circle) contradicts relations[0]: "red-circle" (red circle) left of "blue-square" (blue square)',
      },
    ]);
  });

  it('warns on above plus below, however the pair is written', () => {
    const sameSubject = findContradictions(
      text('red circle above blue square; red circle below blue square'),
    );
    expect(sameSubject.map((w) => [w.kind, w.relations])).toEqual([['pair', [0, 1]]]);
    const swapped = findContradictions(
      text('blue square above red circle; red circle above blue square'),
    );
    expect(swapped.map((w) => [w.kind, w.relations])).toEqual([['pair', [0, 1]]]);
    expect(swapped[0].message).toMatch(/^"red-circle" \(red circle\) above "blue-square"/);
  });

  it('warns on two different geometric relations for one pair', () => {
    // relationFromBoxes gives one relation per pair, so "left of" and "above" cannot both hold.
    const w = findContradictions(
      text('red circle left of blue square; red circle above blue square'),
    );
    expect(w.map((x) => x.kind)).toEqual(['pair']);
  });

  it('warns on a cycle of inside, once per cycle', () => {
    const g = text(
      'red circle inside blue square; blue square inside green triangle; green triangle inside red circle',
    );
    const w = findContradictions(g);
    expect(w).toHaveLength(1);
    expect(w[0].kind).toBe('cycle');
    expect(w[0].relations).toEqual([0, 1, 2]);
    expect(w[0].message).toBe(
      'a cycle of "inside" cannot hold: "red-circle" (red circle) inside "blue-square" (blue square) inside "green-triangle" (green triangle) inside "red-circle" (red circle) (relations 0, 1, 2)',
    );
    // "surrounding" is the same order read backwards.
    const mixed = findContradictions(
      text(
        'red circle inside blue square; green triangle surrounding blue square; red circle surrounding green triangle',
      ),
    );
    expect(mixed.map((x) => [x.kind, [...x.relations].sort()])).toEqual([['cycle', [0, 1, 2]]]);
    // A two-object cycle is a pair that contradicts itself, reported once as such.
    expect(
      findContradictions(text('red circle inside blue square; blue square inside red circle')).map(
        (x) => x.kind,
      ),
    ).toEqual(['pair']);
  });

  it('warns on cycles of left of and above too, not on chains', () => {
    expect(
      findContradictions(
        text('red circle left of blue square; blue square left of sky; sky left of red circle'),
      ).map((x) => x.kind),
    ).toEqual(['cycle']);
    expect(findContradictions(text('red circle above blue square; blue square above sky'))).toEqual(
      [],
    );
  });

  it('warns on a given box that contradicts its relation', () => {
    const g = parseSceneGraph(
      {
        objects: [
          { id: 'a', label: 'red circle', box: [0.6, 0.4, 0.8, 0.6] },
          { id: 'b', label: 'blue square', box: [0.1, 0.4, 0.3, 0.6] },
          { id: 'c', label: 'sky' },
        ],
        relations: [
          { subject: 'a', predicate: 'left of', object: 'b' },
          { subject: 'b', predicate: 'left of', object: 'a' },
          { subject: 'c', predicate: 'above', object: 'a' },
        ],
      },
      vocab,
    );
    // By the rule, a (centre x 0.7) is right of b (centre x 0.2); c has no box to judge.
    expect(findContradictions(g)).toEqual([
      {
        kind: 'box',
        path: 'relations[0]',
        relations: [0],
        message: '"a" (red circle) left of "b" (blue square), but the boxes say right of',
      },
      expect.objectContaining({ kind: 'pair', path: 'relations[1]' }),
    ]);
  });

  it('ignores predicates outside the geometric rule', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'x' },
        { id: 'b', label: 'y' },
      ],
      relations: [
        { subject: 'a', predicate: 'near', object: 'b' },
        { subject: 'a', predicate: 'left of', object: 'b' },
      ],
    };
    expect(findContradictions(g)).toEqual([]);
  });
});

describe('relationsBrokenByBoxes', () => {
  it('lists the relations a laid-out graph breaks, one line each', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle', box: [0.1, 0.1, 0.3, 0.3] },
        { id: 'b', label: 'blue square', box: [0.5, 0.5, 0.7, 0.7] },
      ],
      relations: [
        // a − b centres: (−0.4, −0.4), θ = −3π/4 → left of; b − a: (0.4, 0.4), θ = π/4 → below.
        { subject: 'a', predicate: 'left of', object: 'b' },
        { subject: 'b', predicate: 'left of', object: 'a' },
        { subject: 'a', predicate: 'below', object: 'b' },
      ],
    };
    expect(relationsBrokenByBoxes(g)).toEqual([1, 2]);
    expect(describeBrokenRelations(g)).toEqual([
      'relations[1]: "b" (blue square) left of "a" (red circle), but the boxes say below',
      'relations[2]: "a" (red circle) below "b" (blue square), but the boxes say left of',
    ]);
  });
});
