import fc from 'fast-check';
import { SceneGraphError } from './errors.js';
import { formatSceneGraphText, parseSceneGraphText } from './text.js';
import type { SceneGraph } from './types.js';
import { GEOMETRIC_PREDICATES } from './relation.js';
import {
  SYNTHETIC_STUFF,
  SYNTHETIC_THINGS,
  syntheticVocabulary,
} from './vocabularies/synthetic.js';
import { Vocabulary } from './vocabulary.js';

const vocab = syntheticVocabulary();

function issuesOf(text: string, v = vocab) {
  try {
    parseSceneGraphText(text, v);
  } catch (e) {
    expect(e).toBeInstanceOf(SceneGraphError);
    return (e as SceneGraphError).issues;
  }
  throw new Error('expected a SceneGraphError');
}

describe('parseSceneGraphText', () => {
  it('reads the example from docs/architecture.md', () => {
    const g = parseSceneGraphText(
      'red circle left of blue square; blue square above grass; yellow triangle inside sky',
      vocab,
    );
    expect(g.objects.map((o) => o.label)).toEqual([
      'red circle',
      'blue square',
      'grass',
      'yellow triangle',
      'sky',
    ]);
    expect(g.objects.map((o) => o.id)).toEqual([
      'red-circle',
      'blue-square',
      'grass',
      'yellow-triangle',
      'sky',
    ]);
    expect(g.relations).toEqual([
      { subject: 'red-circle', predicate: 'left of', object: 'blue-square' },
      { subject: 'blue-square', predicate: 'above', object: 'grass' },
      { subject: 'yellow-triangle', predicate: 'inside', object: 'sky' },
    ]);
  });

  it('splits on newlines too, ignores blank clauses, case and spacing', () => {
    const g = parseSceneGraphText('\n  Red   Circle  ;\n\nsky ;', vocab);
    expect(g.objects.map((o) => o.label)).toEqual(['red circle', 'sky']);
    expect(g.relations).toEqual([]);
  });

  it('tells repeated labels apart with #n', () => {
    const g = parseSceneGraphText(
      'red circle left of red circle #2; red circle#3 below red circle',
      vocab,
    );
    expect(g.objects.map((o) => o.id)).toEqual(['red-circle', 'red-circle-2', 'red-circle-3']);
    expect(g.relations.map((r) => [r.subject, r.object])).toEqual([
      ['red-circle', 'red-circle-2'],
      ['red-circle-3', 'red-circle'],
    ]);
  });

  it('matches multi-word labels and predicates longest first', () => {
    const v = Vocabulary.fromNames({
      objects: ['table', 'table cloth', 'cloth'],
      predicates: ['on', 'on top of', 'top'],
    });
    const g = parseSceneGraphText('table cloth on top of table', v);
    expect(g.objects.map((o) => o.label)).toEqual(['table cloth', 'table']);
    expect(g.relations[0].predicate).toBe('on top of');
    // Aliases are multi-word too, and come back canonical.
    expect(parseSceneGraphText('red circle to the left of sky', vocab).relations[0].predicate).toBe(
      'left of',
    );
  });

  it('names the unknown words with suggestions', () => {
    expect(issuesOf('red circel left of sky')[0].message).toBe(
      'unknown object label "red circel"; did you mean "red circle"?',
    );
    expect(issuesOf('red circle leftof sky')[0].message).toMatch(
      /^unknown predicate "leftof"; did you mean "left of"/,
    );
    expect(issuesOf('red circle left of skyy')[0].message).toMatch(
      /^unknown object label "skyy"; did you mean "sky"/,
    );
    expect(issuesOf('red circle left of')[0].message).toBe('"left of" has no object after it');
    expect(issuesOf('red circle left of sky grass')[0].message).toMatch(/^unexpected "grass"/);
    expect(issuesOf('')[0].message).toBe('input is empty');
  });

  it('reports every bad clause, located by number', () => {
    const issues = issuesOf('sky; bad thing; red circle left of sky; worse');
    expect(issues.map((i) => i.path)).toEqual(['clause 2 ("bad thing")', 'clause 4 ("worse")']);
  });

  it('rejects self-relations through the shared validator', () => {
    expect(issuesOf('sky above sky')[0].message).toMatch(/self-relation/);
  });
});

describe('formatSceneGraphText', () => {
  it('writes relations, then lone objects, numbering repeats', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red circle', box: [0, 0, 0.5, 0.5] },
        { id: 'b', label: 'red circle' },
        { id: 'c', label: 'sky' },
      ],
      relations: [{ subject: 'b', predicate: 'below', object: 'a' }],
    };
    expect(formatSceneGraphText(g)).toBe('red circle #2 below red circle; sky');
    expect(formatSceneGraphText(g, { separator: '\n' })).toBe(
      'red circle #2 below red circle\nsky',
    );
  });

  const labels = [...SYNTHETIC_THINGS, ...SYNTHETIC_STUFF];
  const graphArb = fc
    .array(fc.constantFrom(...labels), { minLength: 1, maxLength: 8 })
    .chain((objLabels) =>
      fc.record({
        labels: fc.constant(objLabels),
        rels: fc.array(
          fc.tuple(
            fc.nat(objLabels.length - 1),
            fc.constantFrom(...GEOMETRIC_PREDICATES),
            fc.nat(objLabels.length - 1),
          ),
          { maxLength: 10 },
        ),
      }),
    )
    .map(({ labels: ls, rels }) => ({
      objects: ls.map((label, i) => ({ id: `o${i}`, label })),
      relations: rels
        .filter(([s, , o]) => s !== o)
        .map(([s, p, o]) => ({ subject: `o${s}`, predicate: p, object: `o${o}` })),
    }));

  it('text → graph → text is the identity on formatted text', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const text = formatSceneGraphText(g);
        expect(formatSceneGraphText(parseSceneGraphText(text, vocab))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('graph → text → graph keeps every object and relation (up to ids and order)', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const back = parseSceneGraphText(formatSceneGraphText(g), vocab);
        const sortLabels = (x: SceneGraph) => x.objects.map((o) => o.label).sort();
        expect(sortLabels(back)).toEqual(sortLabels(g));
        const labelOf = (x: SceneGraph) => new Map(x.objects.map((o) => [o.id, o.label]));
        const triples = (x: SceneGraph) => {
          const l = labelOf(x);
          return x.relations
            .map((r) => `${l.get(r.subject)}|${r.predicate}|${l.get(r.object)}`)
            .sort();
        };
        expect(triples(back)).toEqual(triples(g));
      }),
      { numRuns: 300 },
    );
  });
});
