import { compareImages, differenceOverlay, type RgbaImage } from './difference.js';

function image(pixels: [number, number, number][], width: number): RgbaImage {
  const rgba = new Uint8ClampedArray(pixels.length * 4);
  pixels.forEach(([r, g, b], p) => rgba.set([r, g, b, 255], p * 4));
  return { rgba, width, height: pixels.length / width };
}

describe('differenceOverlay', () => {
  it('is transparent where nothing changed and opaque where the change is largest', () => {
    const before = image(
      [
        [10, 10, 10],
        [0, 0, 0],
        [100, 100, 100],
        [5, 5, 5],
      ],
      2,
    );
    const after = image(
      [
        [10, 10, 10],
        [30, 30, 30],
        [100, 100, 100],
        [20, 5, 5],
      ],
      2,
    );
    const o = differenceOverlay(before, after);
    expect(o.maxDiff).toBe(30);
    expect(o.rgba[3]).toBe(0); // unchanged
    expect(o.rgba[7]).toBe(230); // the largest change
    // pixel 3 moved by mean (15 + 0 + 0) / 3 = 5, a sixth of the maximum.
    expect(o.rgba[15]).toBe(Math.round(230 * Math.sqrt(5 / 30)));
  });

  it('rejects images of different sizes', () => {
    expect(() =>
      differenceOverlay(
        image([[0, 0, 0]], 1),
        image(
          [
            [0, 0, 0],
            [0, 0, 0],
          ],
          2,
        ),
      ),
    ).toThrow(/sizes differ/);
  });
});

describe('compareImages', () => {
  it('gives the mean absolute difference and the changed fraction', () => {
    const a = image(
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      2,
    );
    const b = image(
      [
        [30, 0, 0],
        [3, 3, 3],
      ],
      2,
    );
    expect(compareImages(a, b)).toEqual({ meanAbs: (30 + 9) / 6, changed: 0.5 });
  });
});
