import { SceneGraphError } from './errors.js';
import { cocoStuffVocabulary } from './vocabularies/coco-stuff.js';
import { SYNTHETIC_THINGS, syntheticVocabulary } from './vocabularies/synthetic.js';
import { IMAGE_OBJECT, IN_IMAGE_PREDICATE, Vocabulary } from './vocabulary.js';

describe('Vocabulary', () => {
  it('ships the fixed synthetic vocabulary', () => {
    const v = syntheticVocabulary();
    expect(SYNTHETIC_THINGS).toHaveLength(24);
    expect(v.objectNames).toHaveLength(28);
    expect(v.objectNames.slice(0, 4)).toEqual([
      'red circle',
      'red square',
      'red triangle',
      'green circle',
    ]);
    expect(v.objectNames.slice(24)).toEqual(['sky', 'grass', 'water', 'sand']);
    expect(v.predicateNames).toEqual([
      'left of',
      'right of',
      'above',
      'below',
      'inside',
      'surrounding',
    ]);
    expect(v.imageIndex).toBe(0);
    expect(v.inImageIndex).toBe(0);
    expect(v.numObjects).toBe(29);
    expect(v.numPredicates).toBe(7);
    expect(v.objectIndex('red circle')).toBe(1);
    expect(v.objectIndex('sand')).toBe(28);
  });

  it('resolves aliases to canonical names and never exposes the specials as user words', () => {
    const v = syntheticVocabulary();
    expect(v.resolvePredicate('over')).toBe('above');
    expect(v.resolveObject('ocean')).toBe('water');
    expect(v.resolveObject(IMAGE_OBJECT)).toBeUndefined();
    expect(v.resolvePredicate(IN_IMAGE_PREDICATE)).toBeUndefined();
    expect(v.resolveObject('magenta circle')).toBeUndefined();
  });

  it('round-trips sg2im’s JSON layout', () => {
    const v = syntheticVocabulary();
    const json = JSON.parse(JSON.stringify(v.toJSON()));
    expect(json.object_idx_to_name[0]).toBe('__image__');
    expect(json.pred_name_to_idx['__in_image__']).toBe(0);
    expect(Vocabulary.fromJSON(json).toJSON()).toEqual(v.toJSON());
  });

  it('loads an sg2im VG-style file with attributes', () => {
    const v = Vocabulary.fromJSON({
      object_idx_to_name: ['__image__', 'man', 'horse'],
      object_name_to_idx: { __image__: 0, man: 1, horse: 2 },
      pred_idx_to_name: ['__in_image__', 'riding'],
      pred_name_to_idx: { __in_image__: 0, riding: 1 },
      attribute_idx_to_name: ['brown'],
      attribute_name_to_idx: { brown: 0 },
    });
    expect(v.objectNames).toEqual(['man', 'horse']);
    expect(v.attributeIndex('brown')).toBe(0);
    expect(v.hasAttribute('tall')).toBe(false);
  });

  it('names every inconsistency in a broken file', () => {
    const bad = {
      object_idx_to_name: ['__image__', 'man'],
      object_name_to_idx: { __image__: 0, man: 2 },
      pred_idx_to_name: ['riding'],
      pred_name_to_idx: { riding: 0 },
    };
    let err: SceneGraphError | undefined;
    try {
      Vocabulary.fromJSON(bad);
    } catch (e) {
      err = e as SceneGraphError;
    }
    expect(err).toBeInstanceOf(SceneGraphError);
    expect(err!.issues.map((i) => i.path)).toEqual(['object_name_to_idx.man', 'pred_name_to_idx']);
    expect(() => Vocabulary.fromJSON({ object_idx_to_name: 'x' })).toThrow(SceneGraphError);
  });

  it('embeds the official COCO-Stuff 2017 categories with COCO ids', () => {
    const v = cocoStuffVocabulary();
    const json = v.toJSON();
    expect(v.objectNames).toHaveLength(80 + 91);
    expect(v.objectIndex('person')).toBe(1);
    expect(v.objectIndex('toothbrush')).toBe(90);
    expect(v.objectIndex('banner')).toBe(92);
    expect(v.objectIndex('wood')).toBe(182);
    // COCO leaves ids 12, 26, 29, 30, 45, 66, 68, 69, 71, 83 and 91 unused.
    for (const hole of [12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91]) {
      expect(json.object_idx_to_name[hole]).toBeNull();
    }
    expect(v.resolveObject('other')).toBeUndefined();
    expect(cocoStuffVocabulary({ includeOther: true }).objectIndex('other')).toBe(183);
    expect(v.predicateNames).toHaveLength(6);
  });
});
