import type { SceneGraph } from '@sgdiff/scene-graph';

// Two small graphs of the synthetic vocabulary, shared by the encoder's tests.
export const graphA: SceneGraph = {
  objects: [
    { id: 'a', label: 'red circle' },
    { id: 'b', label: 'blue square' },
    { id: 'c', label: 'grass' },
  ],
  relations: [
    { subject: 'a', predicate: 'left of', object: 'b' },
    { subject: 'b', predicate: 'above', object: 'c' },
  ],
};
export const graphB: SceneGraph = {
  objects: [
    { id: 'x', label: 'yellow triangle' },
    { id: 'y', label: 'sky' },
  ],
  relations: [{ subject: 'x', predicate: 'inside', object: 'y' }],
};
