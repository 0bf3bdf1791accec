import fc from 'fast-check';
import { packGraphs, unpackGraphs } from './pack.js';
import type { Box, SceneGraph } from './types.js';
import { GEOMETRIC_PREDICATES } from './relation.js';
import {
  SYNTHETIC_STUFF,
  SYNTHETIC_THINGS,
  syntheticVocabulary,
} from './vocabularies/synthetic.js';

const vocab = syntheticVocabulary();

describe('packGraphs', () => {
  it('packs a hand-checked batch sg2im-style', () => {
    const graphs: SceneGraph[] = [
      {
        objects: [
          { id: 'a', label: 'red circle', box: [0.1, 0.2, 0.3, 0.4] },
          { id: 'b', label: 'sky' },
        ],
        relations: [{ subject: 'a', predicate: 'inside', object: 'b' }],
      },
      { objects: [{ id: 'c', label: 'sand', box: [0, 0.5, 1, 1] }], relations: [] },
    ];
    const p = packGraphs(graphs, vocab);
    // red circle = 1, sky = 25, sand = 28, __image__ = 0; inside = 5, __in_image__ = 0.
    expect(Array.from(p.objs)).toEqual([1, 25, 0, 28, 0]);
    expect(Array.from(p.objToImg)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(p.triples)).toEqual([0, 5, 1, 0, 0, 2, 1, 0, 2, 3, 0, 4]);
    expect(Array.from(p.tripleToImg)).toEqual([0, 0, 0, 1]);
    expect(Array.from(p.hasBox)).toEqual([1, 0, 1, 1, 1]);
    expect(Array.from(p.boxes.subarray(0, 4))).toEqual(
      Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4])),
    );
    expect(Array.from(p.boxes.subarray(4, 8))).toEqual([0, 0, 1, 1]);
    expect([p.numGraphs, p.numObjects, p.numTriples]).toEqual([2, 5, 4]);
  });

  const labels = [...SYNTHETIC_THINGS, ...SYNTHETIC_STUFF];
  // Dyadic box coordinates survive float32 exactly, so round trips compare with toEqual.
  const coord = fc.integer({ min: 0, max: 64 }).map((v) => v / 64);
  const boxArb = fc
    .tuple(coord, coord, coord, coord)
    .map(([a, b, c, d]): Box => [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)]);
  const graphArb = fc
    .array(
      fc.record({ label: fc.constantFrom(...labels), box: fc.option(boxArb, { nil: undefined }) }),
      {
        maxLength: 8,
      },
    )
    .chain((objs) =>
      fc.record({
        objs: fc.constant(objs),
        rels: objs.length
          ? fc.array(
              fc.tuple(
                fc.nat(objs.length - 1),
                fc.constantFrom(...GEOMETRIC_PREDICATES),
                fc.nat(objs.length - 1),
              ),
              {
                maxLength: 12,
              },
            )
          : fc.constant([] as [number, (typeof GEOMETRIC_PREDICATES)[number], number][]),
      }),
    )
    .map(({ objs, rels }): SceneGraph => ({
      objects: objs.map((o, i) => ({
        id: `o${i}`,
        label: o.label,
        ...(o.box ? { box: o.box } : {}),
      })),
      relations: rels.map(([s, p, o]) => ({ subject: `o${s}`, predicate: p, object: `o${o}` })),
    }));

  it('keeps every index in range and every triple inside its own graph', () => {
    fc.assert(
      fc.property(fc.array(graphArb, { maxLength: 6 }), (graphs) => {
        const p = packGraphs(graphs, vocab);
        expect(p.numObjects).toBe(graphs.reduce((n, g) => n + g.objects.length + 1, 0));
        expect(p.numTriples).toBe(
          graphs.reduce((n, g) => n + g.objects.length + g.relations.length, 0),
        );
        for (const o of p.objs) expect(o >= 0 && o < vocab.numObjects).toBe(true);
        for (let t = 0; t < p.numTriples; t++) {
          const [s, pr, o] = p.triples.subarray(t * 3, t * 3 + 3);
          expect(s < p.numObjects && o < p.numObjects && pr < vocab.numPredicates).toBe(true);
          expect(p.objToImg[s]).toBe(p.tripleToImg[t]);
          expect(p.objToImg[o]).toBe(p.tripleToImg[t]);
        }
        // Exactly one image node per graph, and objToImg is sorted.
        for (let g = 0; g < graphs.length; g++) {
          expect(
            p.objs.filter((o, i) => o === vocab.imageIndex && p.objToImg[i] === g).length,
          ).toBe(1);
        }
        for (let i = 1; i < p.numObjects; i++)
          expect(p.objToImg[i]).toBeGreaterThanOrEqual(p.objToImg[i - 1]);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips through unpackGraphs (ids are regenerated)', () => {
    fc.assert(
      fc.property(fc.array(graphArb, { maxLength: 6 }), (graphs) => {
        expect(unpackGraphs(packGraphs(graphs, vocab), vocab)).toEqual(graphs);
      }),
      { numRuns: 200 },
    );
  });
});
