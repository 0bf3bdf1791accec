import { DatasetError } from '../errors.js';

/**
 * COCO segmentations → binary masks, as pycocotools defines them: polygons (a list of flat
 * [x0, y0, x1, y1, …] rings, unioned), uncompressed RLE ({counts: number[], size: [h, w]}) and
 * compressed RLE ({counts: string, size}). RLE runs alternate 0s and 1s, starting with 0s, in
 * column-major (Fortran) order.
 */
export type CocoSegmentation = number[][] | { counts: number[] | string; size: [number, number] };

/** pycocotools' `rleFrString`: 6-bit chunks offset by 48, with deltas from the run two back. */
export function decodeRleString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Runs → row-major mask of 0/1. */
// returns: Uint8Array [h, w]
export function rleToMask(counts: readonly number[], h: number, w: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  let idx = 0;
  let value = 0;
  for (const run of counts) {
    if (value) {
      for (let i = idx; i < Math.min(idx + run, h * w); i++) {
        // Column-major index i → (row i % h, column ⌊i / h⌋).
        mask[(i % h) * w + Math.floor(i / h)] = 1;
      }
    }
    idx += run;
    value ^= 1;
  }
  return mask;
}

/**
 * Fills polygons by the even–odd rule, sampling each pixel at its centre. Several rings are
 * unioned, as pycocotools merges them.
 */
// returns: Uint8Array [h, w]
export function polygonsToMask(
  polygons: readonly (readonly number[])[],
  h: number,
  w: number,
): Uint8Array {
  const mask = new Uint8Array(h * w);
  const xs: number[] = [];
  for (const poly of polygons) {
    const n = Math.floor(poly.length / 2);
    if (n < 3) continue;
    for (let y = 0; y < h; y++) {
      const cy = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const yi = poly[2 * i + 1];
        const yj = poly[2 * j + 1];
        if (yi > cy !== yj > cy) {
          xs.push(poly[2 * i] + ((cy - yi) * (poly[2 * j] - poly[2 * i])) / (yj - yi));
        }
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
        const from = Math.max(0, Math.ceil(xs[k] - 0.5));
        const to = Math.min(w, Math.ceil(xs[k + 1] - 0.5));
        for (let x = from; x < to; x++) mask[y * w + x] = 1;
      }
    }
  }
  return mask;
}

/** Why a segmentation cannot be decoded; the names are the skip counts of `data prepare`. */
export type SegmentationProblem =
  | 'segmentation_missing'
  | 'segmentation_bad_polygon'
  | 'segmentation_bad_rle'
  | 'segmentation_unknown_format';

export interface SegmentationCheck {
  problem?: SegmentationProblem;
  /** An RLE's [h, w], which must also equal its image's size (checked once that is known). */
  rleSize?: [number, number];
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/**
 * Checks a segmentation without allocating a mask: polygons need rings of ≥ 6 finite numbers
 * (3 points), an even count; RLE needs a positive integer size and runs of non-negative
 * integers that add up to exactly h × w (a compressed string must decode so).
 */
export function checkSegmentation(seg: unknown): SegmentationCheck {
  if (seg === null || seg === undefined) return { problem: 'segmentation_missing' };
  if (Array.isArray(seg)) {
    const ok =
      seg.length > 0 &&
      seg.every(
        (ring) =>
          Array.isArray(ring) &&
          ring.length >= 6 &&
          ring.length % 2 === 0 &&
          ring.every((v) => typeof v === 'number' && Number.isFinite(v)),
      );
    return ok ? {} : { problem: 'segmentation_bad_polygon' };
  }
  if (typeof seg !== 'object') return { problem: 'segmentation_unknown_format' };
  const { counts, size } = seg as { counts?: unknown; size?: unknown };
  if (counts === undefined && size === undefined) return { problem: 'segmentation_unknown_format' };
  const bad = { problem: 'segmentation_bad_rle' } as const;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => isCount(v) && v > 0))
    return bad;
  let runs: readonly unknown[];
  if (typeof counts === 'string') {
    // pycocotools' alphabet is the 64 characters from '0' (48) to 'o' (111).
    for (let i = 0; i < counts.length; i++) {
      const c = counts.charCodeAt(i);
      if (c < 48 || c > 111) return bad;
    }
    // A string whose last chunk says "more follows" is cut short.
    if (counts.length > 0 && (counts.charCodeAt(counts.length - 1) - 48) & 0x20) return bad;
    runs = decodeRleString(counts);
  } else if (Array.isArray(counts)) runs = counts;
  else return bad;
  let total = 0;
  for (const r of runs) {
    if (!isCount(r)) return bad;
    total += r as number;
  }
  if (total !== size[0] * size[1]) return bad;
  return { rleSize: [size[0], size[1]] };
}

/**
 * Decodes a segmentation that `checkSegmentation` passed. An RLE whose size is not the
 * image's throws: it would misplace every pixel, and an empty mask would hide that.
 */
export function segmentationToMask(seg: CocoSegmentation, h: number, w: number): Uint8Array {
  if (Array.isArray(seg)) return polygonsToMask(seg, h, w);
  const counts = typeof seg.counts === 'string' ? decodeRleString(seg.counts) : seg.counts;
  const [rh, rw] = seg.size;
  if (rh !== h || rw !== w)
    throw new DatasetError(`RLE of size ${rh}×${rw} does not fit its ${h}×${w} image`);
  return rleToMask(counts, rh, rw);
}

/**
 * sg2im's mask target: crop the full mask to the box rounded to pixels (at least 1×1), resize
 * to M×M, threshold at half. Resizing averages the crop over each cell (sg2im uses bilinear
 * imresize; they agree away from edges). Values are 0 or 255.
 */
// mask: Uint8Array [h, w] of 0/1; returns Uint8Array [M, M]
export function boxMask(
  mask: Uint8Array,
  h: number,
  w: number,
  bbox: readonly number[],
  M: number,
): Uint8Array {
  const [x, y, bw, bh] = bbox;
  const mx0 = Math.min(w - 1, Math.max(0, Math.round(x)));
  const my0 = Math.min(h - 1, Math.max(0, Math.round(y)));
  const mx1 = Math.min(w, Math.max(mx0 + 1, Math.round(x + bw)));
  const my1 = Math.min(h, Math.max(my0 + 1, Math.round(y + bh)));
  const cw = mx1 - mx0;
  const ch = my1 - my0;
  const out = new Uint8Array(M * M);
  for (let gy = 0; gy < M; gy++) {
    const ya = my0 + Math.floor((gy * ch) / M);
    const yb = Math.max(ya + 1, my0 + Math.floor(((gy + 1) * ch) / M));
    for (let gx = 0; gx < M; gx++) {
      const xa = mx0 + Math.floor((gx * cw) / M);
      const xb = Math.max(xa + 1, mx0 + Math.floor(((gx + 1) * cw) / M));
      let sum = 0;
      for (let yy = ya; yy < yb; yy++) for (let xx = xa; xx < xb; xx++) sum += mask[yy * w + xx];
      out[gy * M + gx] = sum * 2 > (yb - ya) * (xb - xa) ? 255 : 0;
    }
  }
  return out;
}
