import { inferLayout } from './infer-layout.js';
import { relationFromBoxes } from './relation.js';
import { parseSceneGraphText } from './text.js';
import type { Box } from './types.js';
import { syntheticVocabulary } from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();

function satisfied(text: string): string[] {
  const g = inferLayout(parseSceneGraphText(text, vocab));
  const box = new Map(g.objects.map((o) => [o.id, o.box as Box]));
  return g.relations
    .filter((r) => relationFromBoxes(box.get(r.subject)!, box.get(r.object)!) !== r.predicate)
    .map((r) => `${r.subject} ${r.predicate} ${r.object}`);
}

describe('inferLayout', () => {
  it('gives every object a valid box', () => {
    const g = inferLayout(parseSceneGraphText('red circle; blue square; sky', vocab));
    for (const o of g.objects) {
      const [x0, y0, x1, y1] = o.box!;
      expect(0 <= x0 && x0 < x1 && x1 <= 1 && 0 <= y0 && y0 < y1 && y1 <= 1).toBe(true);
    }
  });

  it('satisfies consistent relations under the relationFromBoxes rule', () => {
    expect(satisfied('red circle left of blue square')).toEqual([]);
    expect(satisfied('red circle above blue square')).toEqual([]);
    expect(satisfied('yellow circle inside sky')).toEqual([]);
    expect(satisfied('sky surrounding white triangle')).toEqual([]);
    expect(
      satisfied(
        'red circle left of blue square; blue square left of green triangle; sky above grass',
      ),
    ).toEqual([]);
  });

  it('keeps boxes the graph already has', () => {
    const g = inferLayout({
      objects: [
        { id: 'a', label: 'sky', box: [0, 0, 1, 0.4] },
        { id: 'b', label: 'red circle' },
      ],
      relations: [{ subject: 'b', predicate: 'inside', object: 'a' }],
    });
    expect(g.objects[0].box).toEqual([0, 0, 1, 0.4]);
    expect(relationFromBoxes(g.objects[1].box!, [0, 0, 1, 0.4])).toBe('inside');
  });
});
