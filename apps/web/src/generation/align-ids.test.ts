import { keepUntouchedBoxes } from '@sgdiff/diffusion';
import type { SceneGraph } from '@sgdiff/scene-graph';
import { alignIdsByPosition } from './align-ids.js';

const previous: SceneGraph = {
  objects: [
    { id: 'red-circle', label: 'red circle', box: [0.1, 0.6, 0.3, 0.8] },
    { id: 'blue-square', label: 'blue square', box: [0.4, 0.5, 0.7, 0.8] },
    { id: 'grass', label: 'grass', box: [0, 0, 1, 1] },
  ],
  relations: [
    { subject: 'red-circle', predicate: 'left of', object: 'blue-square' },
    { subject: 'blue-square', predicate: 'above', object: 'grass' },
  ],
};

describe('alignIdsByPosition', () => {
  it('renames a relabelled object so that only it loses its box', () => {
    const edited: SceneGraph = {
      objects: [
        { id: 'green-circle', label: 'green circle' },
        { id: 'blue-square', label: 'blue square' },
        { id: 'grass', label: 'grass' },
      ],
      relations: [
        { subject: 'green-circle', predicate: 'left of', object: 'blue-square' },
        { subject: 'blue-square', predicate: 'above', object: 'grass' },
      ],
    };
    const aligned = alignIdsByPosition(previous, edited);
    expect(aligned.objects.map((o) => [o.id, o.label])).toEqual([
      ['green-circle', 'red circle'],
      ['blue-square', 'blue square'],
      ['grass', 'grass'],
    ]);
    expect(aligned.relations[0]).toEqual({
      subject: 'green-circle',
      predicate: 'left of',
      object: 'blue-square',
    });
    const kept = keepUntouchedBoxes(aligned, edited).objects.map((o) => o.box);
    expect(kept).toEqual([undefined, [0.4, 0.5, 0.7, 0.8], [0, 0, 1, 1]]);
    // Unaligned, the renamed relation takes the square's box with it.
    expect(keepUntouchedBoxes(previous, edited).objects[1].box).toBeUndefined();
  });

  it('leaves ids alone where both graphs have them, or where an object was added', () => {
    const edited: SceneGraph = {
      objects: [
        ...previous.objects.map(({ id, label }) => ({ id, label })),
        { id: 'sky', label: 'sky' },
      ],
      relations: previous.relations,
    };
    expect(alignIdsByPosition(previous, edited)).toBe(previous);
    const removed: SceneGraph = {
      objects: [previous.objects[1], previous.objects[2]],
      relations: [],
    };
    // blue-square and grass exist in both: no position match renames them.
    expect(alignIdsByPosition(previous, removed).objects.map((o) => o.id)).toEqual([
      'red-circle',
      'blue-square',
      'grass',
    ]);
  });
});
