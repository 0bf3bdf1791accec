import type { SceneGraph } from '@sgdiff/scene-graph';
import { relationFromBoxes } from '@sgdiff/scene-graph';
import { applyBorderSnap, borderSides, snapToBorder } from './border.js';

const graph = (...objects: [string, [number, number, number, number]][]): SceneGraph => ({
  objects: objects.map(([label, box], i) => ({ id: `o${i}`, label, box })),
  relations: [],
});

describe('border snapping', () => {
  it('finds the sides a class lies on in at least half of its boxes (hand-counted)', () => {
    const graphs = [
      graph(['sky', [0, 0, 1, 0.4]], ['red circle', [0.2, 0.5, 0.4, 0.7]]),
      graph(['sky', [0, 0, 1, 1]], ['grass', [0, 0.6, 1, 1]]),
      graph(['sky', [0, 0, 1, 0.3]], ['grass', [0, 0.5, 1, 0.8]], ['grass', [0, 0.8, 1, 1]]),
      graph(['red circle', [0, 0.1, 0.2, 0.3]]),
    ];
    // sky: left/top/right 3/3, bottom 1/3. grass: left/right 3/3, bottom 2/3, top 0/3.
    // red circle: left 1/2 (half counts), nothing else.
    expect(borderSides(graphs)).toEqual({
      grass: ['left', 'right', 'bottom'],
      'red circle': ['left'],
      sky: ['left', 'top', 'right'],
    });
    expect(borderSides(graphs, { minFraction: 0.9 })).toEqual({
      grass: ['left', 'right'],
      sky: ['left', 'top', 'right'],
    });
  });

  it('snaps only the listed sides, and only within the margin', () => {
    expect(snapToBorder([0.03, 0.04, 0.96, 0.9], ['left', 'top', 'right', 'bottom'], 0.05)).toEqual(
      [0, 0, 1, 0.9],
    );
    expect(snapToBorder([0.03, 0.04, 0.96, 0.97], ['bottom'], 0.05)).toEqual([0.03, 0.04, 0.96, 1]);
    expect(snapToBorder([0.06, 0.5, 0.7, 0.9], ['left'], 0.05)).toEqual([0.06, 0.5, 0.7, 0.9]);
  });

  it('turns a band that almost spans the image into one that surrounds its objects', () => {
    // Regressed sky stops short of the bottom edge; the circle touches 0.985: not "inside".
    const sky: [number, number, number, number] = [0.002, 0, 0.996, 0.967];
    const circle: [number, number, number, number] = [0.189, 0.794, 0.377, 0.985];
    expect(relationFromBoxes(sky, circle)).not.toBe('surrounding');
    const [s, c] = applyBorderSnap(
      [
        { label: 'sky', box: sky, score: 0.9 },
        { label: 'red circle', box: circle, score: 0.8 },
      ],
      { margin: 0.05, sides: { sky: ['left', 'top', 'right', 'bottom'] } },
    );
    expect(s.box).toEqual([0, 0, 1, 1]);
    expect(s.score).toBe(0.9);
    expect(c.box).toBe(circle); // no sides for its class: untouched
    expect(relationFromBoxes(s.box, c.box)).toBe('surrounding');
    expect(sky).toEqual([0.002, 0, 0.996, 0.967]); // the input is not changed
  });

  it('does nothing without a snap or with a zero margin', () => {
    const dets = [{ label: 'sky', box: [0.01, 0, 1, 0.5] as [number, number, number, number] }];
    expect(applyBorderSnap(dets, undefined)).toBe(dets);
    expect(applyBorderSnap(dets, { margin: 0, sides: { sky: ['left'] } })).toBe(dets);
  });
});
