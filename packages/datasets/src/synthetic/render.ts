import { OUTLINE_RGB, STUFF_RGB, THING_RGB } from './palette.js';
import type { ShapeKind, SyntheticObject } from './scene.js';

/**
 * Signed distance (in the units of the box), positive inside the shape filling `box`.
 * Squares fill their box, circles are inscribed, triangles point up with their base on the
 * box's bottom edge. Constants are hoisted into a closure: this runs once per pixel.
 */
function distanceTo(
  kind: ShapeKind,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): (px: number, py: number) => number {
  if (kind === 'circle') {
    const r = (x1 - x0) / 2;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    // Math.hypot is several times slower than sqrt in V8.
    return (px, py) => r - Math.sqrt((px - cx) * (px - cx) + (py - cy) * (py - cy));
  }
  if (kind === 'square') return (px, py) => Math.min(px - x0, x1 - px, py - y0, y1 - py);
  // Apex (cx, y0), base from (x0, y1) to (x1, y1); inward normals of the slanted edges are
  // (±h, hw) / len relative to the apex.
  const cx = (x0 + x1) / 2;
  const hw = (x1 - x0) / 2;
  const h = y1 - y0;
  const len = Math.sqrt(hw * hw + h * h);
  const a = h / len;
  const b = hw / len;
  return (px, py) => {
    const dx = (px - cx) * a;
    const dy = (py - y0) * b;
    return Math.min(dx + dy, dy - dx, y1 - py);
  };
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Outline width in pixels: 1 px at 64², growing with the image. */
export function outlineWidth(size: number): number {
  return Math.max(1, size / 64);
}

/**
 * Rasterises a layout. Stuff bands first (their horizontal edges anti-aliased by row coverage),
 * then each thing as a dark outline and a coloured fill, anti-aliased by a one-pixel ramp on
 * the signed distance at pixel centres.
 */
// returns: Uint8Array [size, size, 3]
export function renderLayout(objects: readonly SyntheticObject[], size: number): Uint8Array {
  const S = size;
  const buf = new Float32Array(S * S * 3);
  // The first band fills the image, so later bands' edges blend with it rather than black.
  const first = objects.find((o) => o.kind === 'stuff');
  if (first) {
    const [r, g, b] = STUFF_RGB[first.colour];
    for (let i = 0; i < buf.length; i += 3) {
      buf[i] = r;
      buf[i + 1] = g;
      buf[i + 2] = b;
    }
  }
  for (const o of objects) {
    if (o.kind !== 'stuff' || o === first) continue;
    const [r, g, b] = STUFF_RGB[o.colour];
    const top = o.box[1] * S;
    const bottom = o.box[3] * S;
    for (let y = Math.max(0, Math.floor(top)); y < Math.min(S, Math.ceil(bottom)); y++) {
      const cov = clamp01(Math.min(y + 1, bottom) - Math.max(y, top));
      const row = y * S * 3;
      for (let x = 0; x < S; x++) {
        const i = row + x * 3;
        buf[i] += (r - buf[i]) * cov;
        buf[i + 1] += (g - buf[i + 1]) * cov;
        buf[i + 2] += (b - buf[i + 2]) * cov;
      }
    }
  }
  const w = outlineWidth(S);
  const [lr, lg, lb] = OUTLINE_RGB;
  for (const o of objects) {
    if (o.kind === 'stuff') continue;
    const kind = o.kind;
    const [r, g, b] = THING_RGB[o.colour];
    const bx0 = o.box[0] * S;
    const by0 = o.box[1] * S;
    const bx1 = o.box[2] * S;
    const by1 = o.box[3] * S;
    const dist = distanceTo(kind, bx0, by0, bx1, by1);
    const xa = Math.max(0, Math.floor(bx0));
    const xb = Math.min(S, Math.ceil(bx1));
    const ya = Math.max(0, Math.floor(by0));
    const yb = Math.min(S, Math.ceil(by1));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const d = dist(x + 0.5, y + 0.5);
        const outer = clamp01(d + 0.5);
        if (outer === 0) continue;
        const inner = clamp01(d - w + 0.5);
        const i = (y * S + x) * 3;
        // Composite outline over the background, then the fill over both.
        let pr = buf[i] + (lr - buf[i]) * outer;
        let pg = buf[i + 1] + (lg - buf[i + 1]) * outer;
        let pb = buf[i + 2] + (lb - buf[i + 2]) * outer;
        pr += (r - pr) * inner;
        pg += (g - pg) * inner;
        pb += (b - pb) * inner;
        buf[i] = pr;
        buf[i + 1] = pg;
        buf[i + 2] = pb;
      }
    }
  }
  const out = new Uint8Array(S * S * 3);
  // Values are in [0, 255], so adding ½ and truncating is Math.round, and faster.
  for (let i = 0; i < out.length; i++) out[i] = (buf[i] + 0.5) | 0;
  return out;
}

/**
 * Box-relative silhouette masks, sg2im style: each object's own shape (occlusion ignored)
 * sampled on an M×M grid over its box, anti-aliased, 0–255. Stuff bands fill their boxes.
 */
// returns: Uint8Array [objects.length, M, M]
export function renderMasks(objects: readonly SyntheticObject[], maskSize: number): Uint8Array {
  const M = maskSize;
  const out = new Uint8Array(objects.length * M * M);
  // Work in mask-cell units: the box becomes [0, 0, M, M].
  objects.forEach((o, k) => {
    const base = k * M * M;
    if (o.kind === 'stuff') {
      out.fill(255, base, base + M * M);
      return;
    }
    const dist = distanceTo(o.kind as ShapeKind, 0, 0, M, M);
    for (let y = 0; y < M; y++) {
      for (let x = 0; x < M; x++) {
        out[base + y * M + x] = Math.round(255 * clamp01(dist(x + 0.5, y + 0.5) + 0.5));
      }
    }
  });
  return out;
}
