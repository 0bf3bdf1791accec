import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { clauseOf, issuesByItem, readGraphInput } from './graph-input.js';

const vocab = syntheticVocabulary();

describe('readGraphInput', () => {
  it('reads the text syntax', () => {
    const r = readGraphInput('red circle left of blue square; blue square above grass', vocab);
    expect(r.ok && r.graph.objects.map((o) => o.label)).toEqual([
      'red circle',
      'blue square',
      'grass',
    ]);
    expect(r.ok && r.graph.relations).toHaveLength(2);
  });

  it('reads JSON', () => {
    const r = readGraphInput('{"objects":[{"id":"a","label":"sky"}],"relations":[]}', vocab);
    expect(r.ok && r.graph.objects).toEqual([{ id: 'a', label: 'sky' }]);
  });

  it('reports an unknown label in its clause', () => {
    const r = readGraphInput('red circle left of sky; pink circle above grass', vocab);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(clauseOf(r.issues[0])).toBe(2);
    expect(r.issues[0].message).toMatch(/unknown object label "pink circle"/);
  });

  it("enforces the model's object limit", () => {
    expect(readGraphInput('sky; grass; water', vocab, 2).ok).toBe(false);
  });
});

describe('issuesByItem', () => {
  it('groups issues by the object or relation they concern', () => {
    const g = issuesByItem([
      { path: 'objects[2].label', message: 'a' },
      { path: 'relations[0].predicate', message: 'b' },
      { path: 'objects[2].id', message: 'c' },
      { path: 'objects', message: 'd' },
    ]);
    expect(g.objects.get(2)!.map((i) => i.message)).toEqual(['a', 'c']);
    expect(g.relations.get(0)!.map((i) => i.message)).toEqual(['b']);
    expect(g.other.map((i) => i.message)).toEqual(['d']);
  });
});
