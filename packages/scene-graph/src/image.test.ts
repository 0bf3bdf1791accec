import { resizeNearest, rgbToRgba, rgbaToRgb } from './image.js';

describe('RGBA images', () => {
  it('converts RGB ↔ RGBA (hand values, with an offset)', () => {
    const rgb = Uint8Array.from([9, 9, 9, 1, 2, 3, 4, 5, 6]);
    const rgba = rgbToRgba(rgb, 3, 2);
    expect(Array.from(rgba)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    expect(Array.from(rgbaToRgb(rgba))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resizes by nearest neighbour: 2×2 → 4×4 repeats each pixel in a 2×2 block', () => {
    const px = (v: number) => [v, v, v, 255];
    const img = {
      rgba: Uint8ClampedArray.from([...px(1), ...px(2), ...px(3), ...px(4)]),
      width: 2,
      height: 2,
    };
    const big = resizeNearest(img, 4);
    const grey = Array.from({ length: 16 }, (_, i) => big.rgba[i * 4]);
    expect(grey).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(resizeNearest(img, 2)).toBe(img);
  });
});
