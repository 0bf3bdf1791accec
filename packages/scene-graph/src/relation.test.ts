import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INVERSE_PREDICATE, invertRelations, relationFromBoxes } from './relation.js';
import type { Box } from './types.js';

const centred = (cx: number, cy: number, r = 0.05): Box => [cx - r, cy - r, cx + r, cy + r];
// Dyadic coordinates keep centre differences exact, so the diagonals are hit exactly.
const middle = centred(0.5, 0.5, 0.125);

describe('relationFromBoxes', () => {
  it('labels the four directions with y pointing down', () => {
    expect(relationFromBoxes(centred(0.2, 0.5), middle)).toBe('left of');
    expect(relationFromBoxes(centred(0.8, 0.5), middle)).toBe('right of');
    expect(relationFromBoxes(centred(0.5, 0.2), middle)).toBe('above');
    expect(relationFromBoxes(centred(0.5, 0.8), middle)).toBe('below');
  });

  it('puts the exact diagonal angles on the side the half-open intervals say', () => {
    // θ = −3π/4 and 3π/4 → left of; −π/4 → right of; π/4 → below.
    expect(relationFromBoxes(centred(0.25, 0.25, 0.125), middle)).toBe('left of');
    expect(relationFromBoxes(centred(0.25, 0.75, 0.125), middle)).toBe('left of');
    expect(relationFromBoxes(centred(0.75, 0.25, 0.125), middle)).toBe('right of');
    expect(relationFromBoxes(centred(0.75, 0.75, 0.125), middle)).toBe('below');
  });

  it('needs strict containment on all four sides', () => {
    expect(relationFromBoxes([0.1, 0.1, 0.9, 0.9], [0.2, 0.2, 0.5, 0.5])).toBe('surrounding');
    expect(relationFromBoxes([0.2, 0.2, 0.5, 0.5], [0.1, 0.1, 0.9, 0.9])).toBe('inside');
    // Sharing the left edge falls through to the angle rule.
    expect(relationFromBoxes([0.1, 0.1, 0.9, 0.9], [0.1, 0.2, 0.5, 0.5])).toBe('right of');
    // Identical boxes: centres coincide, θ = atan2(0, 0) = 0.
    expect(relationFromBoxes(middle, middle)).toBe('right of');
  });

  it('agrees with sg2im’s rule on 2,012 reference cases', () => {
    const cases = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'relations.json'), 'utf8'),
    ) as { s: Box; o: Box; p: string }[];
    const wrong = cases.filter((c) => relationFromBoxes(c.s, c.o) !== c.p);
    expect(cases.length).toBe(2012);
    expect(wrong).toEqual([]);
  });

  it('has an inverse table that is an involution', () => {
    for (const [p, q] of Object.entries(INVERSE_PREDICATE)) {
      expect(INVERSE_PREDICATE[q]).toBe(p);
      expect(q).not.toBe(p);
    }
  });
});

describe('invertRelations', () => {
  const graph = {
    objects: [
      { id: 'a', label: 'sky', box: [0, 0, 1, 0.4] as Box },
      { id: 'b', label: 'tree' },
      { id: 'c', label: 'man', attributes: ['red'] },
    ],
    relations: [
      { subject: 'a', predicate: 'above', object: 'b' },
      { subject: 'c', predicate: 'left of', object: 'b' },
      { subject: 'c', predicate: 'wearing', object: 'a' },
    ],
  };

  it('inverts known predicates, swaps the ends of the others, and keeps the objects', () => {
    const inv = invertRelations(graph);
    expect(inv.relations).toEqual([
      { subject: 'a', predicate: 'below', object: 'b' },
      { subject: 'c', predicate: 'right of', object: 'b' },
      { subject: 'a', predicate: 'wearing', object: 'c' },
    ]);
    expect(inv.objects).toEqual(graph.objects);
    inv.objects[2].attributes!.push('tall');
    expect(graph.objects[2].attributes).toEqual(['red']);
  });

  it('is an involution', () => {
    expect(invertRelations(invertRelations(graph))).toEqual(graph);
  });
});
