import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SceneGraphError } from './errors.js';
import { parseSceneGraph } from './parse.js';
import { syntheticVocabulary } from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();

function issuesOf(input: unknown, maxObjects?: number) {
  try {
    parseSceneGraph(input, vocab, { maxObjects });
  } catch (e) {
    expect(e).toBeInstanceOf(SceneGraphError);
    return (e as SceneGraphError).issues;
  }
  throw new Error('expected a SceneGraphError');
}

describe('parseSceneGraph', () => {
  it('accepts a valid graph, as a string or a value, and canonicalises aliases', () => {
    const input = {
      objects: [
        { id: 'a', label: 'red circle', box: [0.1, 0.1, 0.3, 0.3] },
        { id: 'b', label: 'ocean' },
      ],
      relations: [{ subject: 'a', predicate: 'over', object: 'b' }],
    };
    const g = parseSceneGraph(JSON.stringify(input), vocab);
    expect(g.objects[1].label).toBe('water');
    expect(g.relations[0].predicate).toBe('above');
    expect(parseSceneGraph(input, vocab)).toEqual(g);
  });

  it('defaults relations to an empty list', () => {
    expect(parseSceneGraph({ objects: [{ id: 'a', label: 'sky' }] }, vocab).relations).toEqual([]);
  });

  it('reports empty and non-JSON input', () => {
    expect(issuesOf('')[0].message).toBe('input is empty');
    expect(issuesOf('   ')[0].message).toBe('input is empty');
    expect(issuesOf(null)[0].message).toBe('input is empty');
    expect(issuesOf('{"objects": [')[0].message).toMatch(/^not valid JSON/);
  });

  it('reports wrong types with their paths', () => {
    const issues = issuesOf({ objects: [{ id: 3, label: 'sky', box: [0, 0, 1] }], relations: 'x' });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'objects[0].box',
      'objects[0].id',
      'relations',
    ]);
    expect(issuesOf({ objects: [{ id: 'a', label: 'sky', colour: 'x' }] })[0].path).toBe(
      'objects[0]',
    );
  });

  it('lists every semantic problem at once', () => {
    const issues = issuesOf(
      {
        objects: [
          { id: 'a', label: 'red circel' },
          { id: 'a', label: 'sky', box: [0.5, 0.2, 0.4, 0.9] },
          { id: 'c', label: 'grass', box: [-0.1, 0, 1, 1.5] },
          { id: 'd', label: 'sand', attributes: ['shiny'] },
        ],
        relations: [
          { subject: 'a', predicate: 'left of', object: 'zz' },
          { subject: 'c', predicate: 'left off', object: 'c' },
        ],
      },
      3,
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['objects']).toBe('4 objects, more than the maximum of 3');
    expect(byPath['objects[0].label']).toBe(
      'unknown object label "red circel"; did you mean "red circle"?',
    );
    expect(byPath['objects[1].id']).toBe('duplicate id "a" (also objects[0])');
    expect(byPath['objects[1].box']).toMatch(/inverted/);
    expect(byPath['objects[2].box']).toMatch(/outside \[0, 1\]/);
    expect(byPath['objects[3].attributes[0]']).toBe('unknown attribute "shiny"');
    expect(byPath['relations[0].object']).toBe('refers to missing object id "zz"');
    expect(byPath['relations[1]']).toMatch(/^self-relation/);
    expect(byPath['relations[1].predicate']).toMatch(
      /unknown predicate "left off"; did you mean "left of"/,
    );
    expect(issues).toHaveLength(9);
  });

  it('rejects non-finite box coordinates', () => {
    // JSON cannot carry NaN, but a value handed in from code can.
    expect(issuesOf({ objects: [{ id: 'a', label: 'sky', box: [0, 0, NaN, 1] }] })[0].path).toMatch(
      /^objects\[0\]\.box/,
    );
  });

  it('puts every problem into the error message', () => {
    expect(() =>
      parseSceneGraph(
        {
          objects: [
            { id: 'a', label: 'x' },
            { id: 'a', label: 'sky' },
          ],
        },
        vocab,
      ),
    ).toThrow(/objects\[0\]\.label: unknown object label "x"[\s\S]*objects\[1\]\.id: duplicate id/);
  });
});

describe('parseSceneGraph with type errors', () => {
  it('gives the five-problem fixture five lines, one per problem', () => {
    const source = readFileSync(join(__dirname, '..', 'fixtures', 'five-problems.json'), 'utf8');
    const issues = issuesOf(source);
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'objects[0].box: box [0.6, 0.1, 1.3, 0.4] is outside [0, 1]',
      'objects[1].box: box must be 4 numbers [x0, y0, x1, y1]; too small: expected array to have >=4 items',
      'objects[2].label: unknown object label "red ballon"',
      'objects[3].id: duplicate id "sun" (also objects[0])',
      'relations[1].object: refers to missing object id "moon"',
    ]);
  });

  it('still checks the well-typed fields of an object with a type error', () => {
    const issues = issuesOf({
      objects: [
        { id: 'a', label: 'red circel', box: 'big' },
        { id: 7, label: 'sky' },
      ],
      relations: [{ subject: 'a', predicate: 'left off', object: 'b', extra: 1 }],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'objects[0].box',
      'objects[0].label',
      'objects[1].id',
      'relations[0]',
      'relations[0].object',
      'relations[0].predicate',
    ]);
  });
});
