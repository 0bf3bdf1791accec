// Before/after comparison for manipulation: where an edit changed the image, and by how much.

import type { RgbaImage } from '@sgdiff/scene-graph';

export type { RgbaImage };

/**
 * A heat map of |after − before| (mean over RGB), stretched so that the largest change is
 * opaque red and unchanged pixels are transparent. Meant to be drawn over `after`.
 */
export function differenceOverlay(
  before: RgbaImage,
  after: RgbaImage,
): RgbaImage & { maxDiff: number } {
  if (before.width !== after.width || before.height !== after.height) {
    throw new Error(
      `differenceOverlay: sizes differ (${before.width}×${before.height} vs ${after.width}×${after.height})`,
    );
  }
  const n = after.width * after.height;
  const diff = new Float32Array(n);
  let maxDiff = 0;
  for (let p = 0; p < n; p++) {
    const i = p * 4;
    const d =
      (Math.abs(after.rgba[i] - before.rgba[i]) +
        Math.abs(after.rgba[i + 1] - before.rgba[i + 1]) +
        Math.abs(after.rgba[i + 2] - before.rgba[i + 2])) /
      3;
    diff[p] = d;
    if (d > maxDiff) maxDiff = d;
  }
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    const a = maxDiff > 0 ? diff[p] / maxDiff : 0;
    rgba[p * 4] = 255;
    rgba[p * 4 + 1] = Math.round(255 * (1 - a) * 0.6);
    rgba[p * 4 + 2] = 0;
    rgba[p * 4 + 3] = Math.round(230 * Math.sqrt(a));
  }
  return { rgba, width: after.width, height: after.height, maxDiff };
}

/** Mean absolute RGB difference in 0…255, and the fraction of pixels that moved by > `tolerance`. */
export function compareImages(
  a: RgbaImage,
  b: RgbaImage,
  tolerance = 8,
): { meanAbs: number; changed: number } {
  const n = a.width * a.height;
  let sum = 0;
  let changed = 0;
  for (let p = 0; p < n; p++) {
    const i = p * 4;
    const dr = Math.abs(a.rgba[i] - b.rgba[i]);
    const dg = Math.abs(a.rgba[i + 1] - b.rgba[i + 1]);
    const db = Math.abs(a.rgba[i + 2] - b.rgba[i + 2]);
    sum += dr + dg + db;
    if (Math.max(dr, dg, db) > tolerance) changed++;
  }
  return { meanAbs: sum / (3 * n), changed: changed / n };
}
