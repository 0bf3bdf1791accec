import {
  addObject,
  addRelation,
  changePredicate,
  moveBox,
  relabelObject,
  removeObject,
  removeRelation,
} from './edits.js';
import { SceneGraphError } from './errors.js';
import type { SceneGraph } from './types.js';
import { syntheticVocabulary } from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();
const base: SceneGraph = {
  objects: [
    { id: 'a', label: 'red circle', box: [0.1, 0.1, 0.3, 0.3] },
    { id: 'b', label: 'blue square' },
    { id: 'c', label: 'sky' },
  ],
  relations: [
    { subject: 'a', predicate: 'left of', object: 'b' },
    { subject: 'b', predicate: 'inside', object: 'c' },
  ],
};
const frozen = JSON.stringify(base);

afterEach(() => expect(JSON.stringify(base)).toBe(frozen)); // edits never mutate their input

describe('edits', () => {
  it('adds an object, validating its label', () => {
    const r = addObject(base, { id: 'd', label: 'grass' }, vocab);
    expect(r.graph.objects.map((o) => o.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.touched).toEqual(['d']);
    expect(() => addObject(base, { id: 'a', label: 'grass' })).toThrow(/already exists/);
    expect(() => addObject(base, { id: 'e', label: 'dragon' }, vocab)).toThrow(SceneGraphError);
  });

  it('removes an object with its relations and reports the partners', () => {
    const r = removeObject(base, 'b');
    expect(r.graph.objects.map((o) => o.id)).toEqual(['a', 'c']);
    expect(r.graph.relations).toEqual([]);
    expect(r.touched).toEqual(['b', 'a', 'c']);
    expect(() => removeObject(base, 'zz')).toThrow(/no object with id "zz"/);
  });

  it('relabels, canonicalising aliases', () => {
    const r = relabelObject(base, 'c', 'ocean', vocab);
    expect(r.graph.objects[2].label).toBe('water');
    expect(r.touched).toEqual(['c']);
  });

  it('adds, removes and changes relations', () => {
    const added = addRelation(base, { subject: 'c', predicate: 'over', object: 'a' }, vocab);
    expect(added.graph.relations[2]).toEqual({ subject: 'c', predicate: 'above', object: 'a' });
    expect(added.touched).toEqual(['c', 'a']);
    expect(() => addRelation(base, { subject: 'c', predicate: 'above', object: 'q' })).toThrow(
      /no object with id "q"/,
    );
    expect(() =>
      addRelation(base, { subject: 'a', predicate: 'above', object: 'a' }, vocab),
    ).toThrow(/self-relation/);

    const removed = removeRelation(base, 0);
    expect(removed.graph.relations).toEqual([base.relations[1]]);
    expect(removed.touched).toEqual(['a', 'b']);
    expect(() => removeRelation(base, 5)).toThrow(/no relation at index 5/);

    const changed = changePredicate(base, 1, 'surrounding', vocab);
    expect(changed.graph.relations[1].predicate).toBe('surrounding');
    expect(changed.touched).toEqual(['b', 'c']);
    expect(() => changePredicate(base, 1, 'near', vocab)).toThrow(/unknown predicate "near"/);
  });

  it('moves and clears boxes, validating them', () => {
    expect(moveBox(base, 'b', [0.5, 0.5, 0.9, 0.9]).graph.objects[1].box).toEqual([
      0.5, 0.5, 0.9, 0.9,
    ]);
    expect(moveBox(base, 'a', undefined).graph.objects[0].box).toBeUndefined();
    expect(() => moveBox(base, 'a', [0.5, 0.5, 0.2, 0.9], vocab)).toThrow(/inverted/);
  });
});
