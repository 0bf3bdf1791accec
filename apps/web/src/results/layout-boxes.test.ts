import { layoutBoxes } from './layout-boxes.js';

describe('layoutBoxes', () => {
  it('converts normalised boxes to percent, largest first, and skips objects without one', () => {
    const boxes = layoutBoxes({
      objects: [
        { id: 'c', label: 'red circle', box: [0.25, 0.5, 0.5, 0.75] },
        { id: 'g', label: 'grass', box: [0, 0.6, 1, 1] },
        { id: 't', label: 'blue triangle' },
      ],
      relations: [],
    });
    expect(boxes.map((b) => b.id)).toEqual(['g', 'c']);
    expect(boxes[0]).toEqual({ id: 'g', label: 'grass', x: 0, y: 60, w: 100, h: 40 });
    expect(boxes[1]).toEqual({ id: 'c', label: 'red circle', x: 25, y: 50, w: 25, h: 25 });
  });
});
