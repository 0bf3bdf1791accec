import { OUTLINE_RGB, STUFF_RGB, THING_RGB } from './palette.js';
import type { ShapeKind, SyntheticObject } from './scene.js';

/**
 * Signed distance (in the units of px, py), positive inside the shape filling `box`.
 * Squares fill their box, circles are inscribed, triangles point up with their base on the
 * box's bottom edge.
 */
function signedDistance(kind: ShapeKind, box: readonly number[], px: number, py: number): number {
  const [x0, y0, x1, y1] = box;
  if (kind === 'circle') {
    const r = (x1 - x0) / 2;
    const dx = px - (x0 + x1) / 2;
    const dy = py - (y0 + y1) / 2;
    // Math.hypot is several times slower than sqrt in V8.
    return r - Math.sqrt(dx * dx + dy * dy);
  }
  if (kind === 'square') return Math.min(px - x0, x1 - px, py - y0, y1 - py);
  // Triangle apex (cx, y0), base from (x0, y1) to (x1, y1).
  const cx = (x0 + x1) / 2;
  const hw = (x1 - x0) / 2;
  const h = y1 - y0;
  const len = Math.sqrt(hw * hw + h * h);
  // Inward normals of the two slanted edges: (±h, hw) / len relative to the apex.
  const left = ((px - cx) * h + (py - y0) * hw) / len;
  const right = (-(px - cx) * h + (py - y0) * hw) / len;
  return Math.min(left, right, y1 - py);
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
    const box = [o.box[0] * S, o.box[1] * S, o.box[2] * S, o.box[3] * S];
    const xa = Math.max(0, Math.floor(box[0]));
    const xb = Math.min(S, Math.ceil(box[2]));
    const ya = Math.max(0, Math.floor(box[1]));
    const yb = Math.min(S, Math.ceil(box[3]));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const d = signedDistance(kind, box, x + 0.5, y + 0.5);
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
  for (let i = 0; i < out.length; i++) out[i] = Math.round(buf[i]);
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
  const unit = [0, 0, M, M];
  objects.forEach((o, k) => {
    const base = k * M * M;
    if (o.kind === 'stuff') {
      out.fill(255, base, base + M * M);
      return;
    }
    for (let y = 0; y < M; y++) {
      for (let x = 0; x < M; x++) {
        out[base + y * M + x] = Math.round(
          255 * clamp01(signedDistance(o.kind as ShapeKind, unit, x + 0.5, y + 0.5) + 0.5),
        );
      }
    }
  });
  return out;
}
