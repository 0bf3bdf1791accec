import type { Box, SceneGraph } from '@sgdiff/scene-graph';

/** Horizontal mirroring swaps these predicates; every other predicate is unchanged. */
const MIRRORED: Record<string, string> = { 'left of': 'right of', 'right of': 'left of' };

/** Mirrors an RGB image left–right. */
// image: Uint8Array [size, size, 3] → same shape
export function flipImage(image: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(image.length);
  const row = size * 3;
  for (let y = 0; y < size; y++) {
    const base = y * row;
    for (let x = 0; x < size; x++) {
      const src = base + x * 3;
      const dst = base + (size - 1 - x) * 3;
      out[dst] = image[src];
      out[dst + 1] = image[src + 1];
      out[dst + 2] = image[src + 2];
    }
  }
  return out;
}

/** Mirrors boxes (x ↦ 1 − x) and swaps "left of" ↔ "right of". */
export function flipGraph(graph: SceneGraph): SceneGraph {
  return {
    objects: graph.objects.map((o) => {
      if (!o.box) return o;
      const [x0, y0, x1, y1] = o.box;
      return { ...o, box: [1 - x1, y0, 1 - x0, y1] as Box };
    }),
    relations: graph.relations.map((r) => ({
      ...r,
      predicate: MIRRORED[r.predicate] ?? r.predicate,
    })),
  };
}

/** Box-relative masks mirror within their boxes, so each M×M plane flips like an image. */
// masks: Uint8Array [O, M, M] → same shape
export function flipMasks(masks: Uint8Array, maskSize: number): Uint8Array {
  const M = maskSize;
  const out = new Uint8Array(masks.length);
  for (let r = 0; r < masks.length / M; r++) {
    for (let x = 0; x < M; x++) out[r * M + (M - 1 - x)] = masks[r * M + x];
  }
  return out;
}
