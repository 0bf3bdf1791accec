import { INVERSE_PREDICATE, type SceneGraph } from '@sgdiff/scene-graph';
import { Rng } from '../random.js';
import { invertPredicate, randomPerturbation, relabelOneObject, swapRelation } from './perturb.js';

const graph: SceneGraph = {
  objects: [
    { id: 'a', label: 'red circle' },
    { id: 'b', label: 'blue square' },
    { id: 'c', label: 'red circle' },
  ],
  relations: [
    { subject: 'a', predicate: 'left of', object: 'b' },
    { subject: 'a', predicate: 'above', object: 'c' },
  ],
};
const frozen = structuredClone(graph);

describe('perturbations', () => {
  afterEach(() => expect(graph).toEqual(frozen)); // pure: the input is never changed

  it('swaps subject and object, unless both ends look the same', () => {
    const p = swapRelation(graph, 0);
    expect(p?.graph.relations[0]).toEqual({ subject: 'b', predicate: 'left of', object: 'a' });
    expect(p?.graph.relations[1]).toEqual(graph.relations[1]);
    expect(swapRelation(graph, 1)).toBeNull(); // red circle above red circle
    expect(swapRelation(graph, 5)).toBeNull();
  });

  it('inverts a predicate with its opposite', () => {
    const p = invertPredicate(graph, 1);
    expect(p).toMatchObject({ kind: 'invert', relation: 1, from: 'above', to: 'below' });
    expect(p?.graph.relations[1].predicate).toBe(INVERSE_PREDICATE.above);
    expect(
      invertPredicate(
        { ...graph, relations: [{ subject: 'a', predicate: 'holding', object: 'b' }] },
        0,
      ),
    ).toBeNull();
  });

  it('relabels one object', () => {
    const p = relabelOneObject(graph, 'b', 'sky');
    expect(p).toMatchObject({ kind: 'relabel', object: 'b', from: 'blue square', to: 'sky' });
    expect(p?.graph.objects.map((o) => o.label)).toEqual(['red circle', 'sky', 'red circle']);
    expect(relabelOneObject(graph, 'b', 'blue square')).toBeNull();
  });

  it('draws only applicable perturbations, reproducibly', () => {
    const labels = ['red circle', 'blue square', 'sky'];
    for (let seed = 0; seed < 20; seed++) {
      const swap = randomPerturbation(graph, 'swap', new Rng(seed), labels);
      expect(swap).toMatchObject({ kind: 'swap', relation: 0 });
      const relabel = randomPerturbation(graph, 'relabel', new Rng(seed), labels);
      expect(relabel?.kind).toBe('relabel');
      if (relabel?.kind === 'relabel') expect(relabel.to).not.toBe(relabel.from);
      expect(randomPerturbation(graph, 'invert', new Rng(seed), labels)).toEqual(
        randomPerturbation(graph, 'invert', new Rng(seed), labels),
      );
    }
    expect(
      randomPerturbation({ objects: graph.objects, relations: [] }, 'swap', new Rng(1), labels),
    ).toBeNull();
  });
});
