import type { Box, SceneGraph } from '@sgdiff/scene-graph';

export type BorderSide = 'left' | 'top' | 'right' | 'bottom';

const SIDES: readonly BorderSide[] = ['left', 'top', 'right', 'bottom'];
/** Box coordinate of each side, and the border value it touches. */
const AXIS: Record<BorderSide, { at: 0 | 1 | 2 | 3; border: 0 | 1 }> = {
  left: { at: 0, border: 0 },
  top: { at: 1, border: 0 },
  right: { at: 2, border: 1 },
  bottom: { at: 3, border: 1 },
};

/**
 * Border snapping: a predicted edge within `margin` of the image border is put on it, for the
 * sides where a class's real boxes (nearly) always lie on the border, e.g. stuff bands that span
 * the image. A box regressed from one cell rarely reaches an edge many cells away exactly, and
 * `inside`/`surrounding` compare edges strictly.
 */
export interface BorderSnap {
  /** Normalised distance from the border within which an edge is snapped. */
  margin: number;
  /** Per class label, the sides to snap. */
  sides: Record<string, BorderSide[]>;
}

/**
 * Per label, the sides on which at least `minFraction` of its boxes in `graphs` lie on the image
 * border (within `tolerance`). Labels with no such side are left out.
 */
export function borderSides(
  graphs: SceneGraph[],
  { minFraction = 0.5, tolerance = 1e-3 }: { minFraction?: number; tolerance?: number } = {},
): Record<string, BorderSide[]> {
  const counts = new Map<string, { n: number; on: number[] }>();
  for (const g of graphs) {
    for (const o of g.objects) {
      if (!o.box) continue;
      const c = counts.get(o.label) ?? { n: 0, on: [0, 0, 0, 0] };
      c.n++;
      SIDES.forEach((s, i) => {
        if (Math.abs(o.box![AXIS[s].at] - AXIS[s].border) <= tolerance) c.on[i]++;
      });
      counts.set(o.label, c);
    }
  }
  const out: Record<string, BorderSide[]> = {};
  for (const [label, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sides = SIDES.filter((_, i) => c.on[i] >= minFraction * c.n);
    if (sides.length) out[label] = sides;
  }
  return out;
}

/** `box` with each listed side put on the border when it is within `margin` of it. */
export function snapToBorder(box: Box, sides: readonly BorderSide[], margin: number): Box {
  const out: Box = [box[0], box[1], box[2], box[3]];
  for (const s of sides) {
    const { at, border } = AXIS[s];
    if (Math.abs(out[at] - border) <= margin) out[at] = border;
  }
  return out;
}

/** Detections with their boxes snapped (new objects; the input is not changed). */
export function applyBorderSnap<D extends { label: string; box: Box }>(
  detections: D[],
  snap: BorderSnap | undefined,
): D[] {
  if (!snap || snap.margin <= 0) return detections;
  return detections.map((d) => {
    const sides = snap.sides[d.label];
    return sides ? { ...d, box: snapToBorder(d.box, sides, snap.margin) } : d;
  });
}
