import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { RgbaImage } from '@sgdiff/scene-graph';
import { UserError } from './errors.js';

/** Reads a PNG as RGBA. */
export function readPng(path: string): { data: Uint8Array; width: number; height: number } {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (e) {
    throw new UserError(`${path}: not a readable PNG (${(e as Error).message})`);
  }
  return {
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    width: png.width,
    height: png.height,
  };
}

/**
 * Writes an RGBA image as PNG (creating the folder), through a temporary file and a rename: a
 * run stopped mid-write leaves no truncated PNG for a resumed `eval` to take as done.
 */
export function writePng(
  path: string,
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, PNG.sync.write(png));
  renameSync(tmp, path);
}

/** Tiles equally sized RGBA images into a grid, `columns` wide, with a 2-pixel white gutter. */
export function gridImage(
  images: RgbaImage[],
  columns = Math.ceil(Math.sqrt(images.length)),
  gutter = 2,
): RgbaImage {
  const { width: w, height: h } = images[0];
  const rows = Math.ceil(images.length / columns);
  const W = columns * w + (columns + 1) * gutter;
  const H = rows * h + (rows + 1) * gutter;
  const out = new Uint8ClampedArray(W * H * 4).fill(255);
  images.forEach((img, k) => {
    const ox = gutter + (k % columns) * (w + gutter);
    const oy = gutter + Math.floor(k / columns) * (h + gutter);
    for (let y = 0; y < h; y++)
      out.set(img.rgba.subarray(y * w * 4, (y + 1) * w * 4), ((oy + y) * W + ox) * 4);
  });
  return { rgba: out, width: W, height: H };
}

/** |a − b| per channel, amplified ×4 and clamped, opaque: where an edit changed the image. */
export function diffImage(a: Uint8ClampedArray, b: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(a.length);
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) out[i + c] = Math.min(255, 4 * Math.abs(a[i + c] - b[i + c]));
    out[i + 3] = 255;
  }
  return out;
}
