import type { SceneGraph } from '@sgdiff/scene-graph';
import { Rng } from '../random.js';
import { flipGraph, flipImage, flipMasks } from './flip.js';
import { selectObjects } from './select.js';

const graph: SceneGraph = {
  objects: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({
    id,
    label: 'sky',
    box: [0.1, 0.2, 0.3, 0.4],
  })),
  relations: [
    { subject: 'b', predicate: 'left of', object: 'd' },
    { subject: 'd', predicate: 'above', object: 'f' },
  ],
};

describe('selectObjects', () => {
  it('keeps everything within the budget', () => {
    expect(selectObjects(graph, 6, new Rng(1)).kept).toEqual([0, 1, 2, 3, 4, 5]);
    expect(selectObjects(graph, undefined, new Rng(1)).graph).toBe(graph);
  });

  it('prefers objects in relations, then fills with the others', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { kept, graph: g } = selectObjects(graph, 4, new Rng(seed));
      expect(kept).toHaveLength(4);
      expect(kept).toEqual(expect.arrayContaining([1, 3, 5]));
      expect(g.relations).toHaveLength(2);
    }
  });

  it('samples among related objects when they alone exceed the budget, dropping broken relations', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const { kept, graph: g } = selectObjects(graph, 2, new Rng(seed));
      expect(kept.every((i) => [1, 3, 5].includes(i))).toBe(true);
      // {b,d} and {d,f} keep one relation each; {b,f} keeps none.
      expect(g.relations).toHaveLength(kept.join() === '1,5' ? 0 : 1);
      seen.add(kept.join());
    }
    expect([...seen].sort()).toEqual(['1,3', '1,5', '3,5']);
  });
});

describe('flip', () => {
  it('mirrors boxes and swaps left of / right of only', () => {
    const f = flipGraph(graph);
    expect(f.objects[0].box![0]).toBeCloseTo(0.7);
    expect(f.objects[0].box![2]).toBeCloseTo(0.9);
    expect(f.objects[0].box![1]).toBe(0.2);
    expect(f.relations.map((r) => r.predicate)).toEqual(['right of', 'above']);
  });

  it('mirrors image rows and mask rows', () => {
    // 2×2 RGB: pixels p00 p01 / p10 p11
    const img = new Uint8Array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(Array.from(flipImage(img, 2))).toEqual([2, 2, 2, 1, 1, 1, 4, 4, 4, 3, 3, 3]);
    expect(Array.from(flipMasks(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3))).toEqual([
      3, 2, 1, 6, 5, 4, 9, 8, 7,
    ]);
  });
});
