// The image type every package and app passes around: 8-bit RGBA, row-major, no tensors. It lives
// here, the one leaf every other package depends on; tensor conversions stay in the packages
// that own tensors.

/** An 8-bit RGBA image, row-major (`rgba.length === width · height · 4`). */
export interface RgbaImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/** `pixels` RGB pixels of `rgb` from `offset` (default: all of it) as RGBA, alpha 255. */
export function rgbToRgba(
  rgb: ArrayLike<number>,
  offset = 0,
  pixels = (rgb.length - offset) / 3,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    out[4 * p] = rgb[offset + 3 * p];
    out[4 * p + 1] = rgb[offset + 3 * p + 1];
    out[4 * p + 2] = rgb[offset + 3 * p + 2];
    out[4 * p + 3] = 255;
  }
  return out;
}

/** RGBA → RGB, alpha dropped. */
export function rgbaToRgb(rgba: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    out[q] = rgba[p];
    out[q + 1] = rgba[p + 1];
    out[q + 2] = rgba[p + 2];
  }
  return out;
}

/** Nearest-neighbour resize to side × side (the image itself when it already is). */
export function resizeNearest(img: RgbaImage, side: number): RgbaImage {
  if (img.width === side && img.height === side) return img;
  const out = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    const sy = Math.floor((y * img.height) / side);
    for (let x = 0; x < side; x++) {
      const sx = Math.floor((x * img.width) / side);
      const from = (sy * img.width + sx) * 4;
      out.set(img.rgba.subarray(from, from + 4), (y * side + x) * 4);
    }
  }
  return { rgba: out, width: side, height: side };
}
