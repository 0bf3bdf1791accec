import type { SceneGraph } from '@sgdiff/scene-graph';
import { chooseThreshold, thresholdSweep } from './calibrate.js';
import type { Detection } from './decode.js';

const graph: SceneGraph = {
  objects: [
    { id: 'a', label: 'red square', box: [0.1, 0.4, 0.3, 0.6] },
    { id: 'b', label: 'blue square', box: [0.6, 0.4, 0.8, 0.6] },
  ],
  relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
};
const det = (label: string, score: number, box: Detection['box']): Detection => ({
  classIndex: 0,
  label,
  score,
  box,
});
// Best first: both squares where the graph has them, a second red-square peak (a duplicate, not
// a hallucinated label), and a sky the graph does not have.
const detections = [
  [
    det('red square', 0.9, [0.1, 0.4, 0.3, 0.6]),
    det('blue square', 0.4, [0.6, 0.4, 0.8, 0.6]),
    det('red square', 0.35, [0.12, 0.4, 0.3, 0.6]),
    det('sky', 0.2, [0, 0, 1, 0.3]),
  ],
];

describe('oracle threshold calibration', () => {
  it('sweeps precision, recall and relation accuracy (hand-computed)', () => {
    const [low, mid, high] = thresholdSweep([graph], detections, [0.1, 0.3, 0.5]);
    expect(low).toEqual({ threshold: 0.1, precision: 2 / 3, objectRecall: 1, relationAccuracy: 1 });
    expect(mid).toEqual({ threshold: 0.3, precision: 1, objectRecall: 1, relationAccuracy: 1 });
    // The blue square is lost, and with it the relation's endpoint.
    expect(high).toEqual({ threshold: 0.5, precision: 1, objectRecall: 0.5, relationAccuracy: 0 });
  });

  it('chooses the best recall + accuracy among thresholds precise enough', () => {
    const points = thresholdSweep([graph], detections, [0.1, 0.3, 0.5]);
    expect(chooseThreshold(points, 0.95).threshold).toBe(0.3);
    expect(chooseThreshold(points, 0.5).threshold).toBe(0.1); // ties go to the first
    // Nothing precise enough: the most precise point.
    expect(chooseThreshold(points.slice(0, 1), 0.95).threshold).toBe(0.1);
    expect(() => chooseThreshold([])).toThrow(/no thresholds/);
  });
});
