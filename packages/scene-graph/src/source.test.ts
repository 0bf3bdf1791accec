import { SceneGraphError } from './errors.js';
import { parseSceneGraphSource } from './source.js';
import { syntheticVocabulary } from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();
const json = JSON.stringify({
  objects: [
    { id: 'a', label: 'red circle' },
    { id: 'b', label: 'blue square' },
  ],
  relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
});

describe('parseSceneGraphSource', () => {
  it('reads JSON (leading whitespace allowed) and the text syntax to the same graph shape', () => {
    const fromJson = parseSceneGraphSource(`\n  ${json}`, vocab);
    const fromText = parseSceneGraphSource('red circle left of blue square', vocab);
    expect(fromJson.objects.map((o) => o.label)).toEqual(['red circle', 'blue square']);
    expect(fromText.objects.map((o) => o.label)).toEqual(['red circle', 'blue square']);
    expect(fromJson.relations[0].predicate).toBe('left of');
    expect(fromText.relations[0].predicate).toBe('left of');
  });

  it('gives a JSON array the JSON error, not a text-syntax one', () => {
    expect(() => parseSceneGraphSource('[1, 2]', vocab)).toThrow(SceneGraphError);
    try {
      parseSceneGraphSource('[1, 2]', vocab);
    } catch (e) {
      expect(
        (e as SceneGraphError).issues.some((i) =>
          /expected object, received array/.test(i.message),
        ),
      ).toBe(true);
    }
  });

  it('passes options through (maxObjects)', () => {
    expect(() =>
      parseSceneGraphSource('red circle left of blue square', vocab, { maxObjects: 1 }),
    ).toThrow(/1/);
  });
});
