import type { Box, SceneGraph } from './types.js';

/**
 * Boxes for objects that have none, placed so that the relations mostly hold: a few hundred
 * rounds of pushing each violated relation's two boxes apart (or one into the other).
 * For display only (terminal, SVG, editor); it is a heuristic, not a solver, and
 * deterministic for a given graph. Objects that already have boxes keep them.
 */
export function inferLayout(
  graph: SceneGraph,
  { iterations = 300, margin = 0.02 } = {},
): SceneGraph {
  const n = graph.objects.length;
  const index = new Map(graph.objects.map((o, i) => [o.id, i]));
  const fixed = graph.objects.map((o) => o.box !== undefined);
  // Centre and half extents; containers start large so that "inside" has room.
  const containers = new Set(
    graph.relations.flatMap((r) =>
      r.predicate === 'inside' ? [r.object] : r.predicate === 'surrounding' ? [r.subject] : [],
    ),
  );
  const cx = new Float64Array(n);
  const cy = new Float64Array(n);
  const hw = new Float64Array(n);
  const hh = new Float64Array(n);
  graph.objects.forEach((o, i) => {
    if (o.box) {
      cx[i] = (o.box[0] + o.box[2]) / 2;
      cy[i] = (o.box[1] + o.box[3]) / 2;
      hw[i] = (o.box[2] - o.box[0]) / 2;
      hh[i] = (o.box[3] - o.box[1]) / 2;
    } else {
      const a = (2 * Math.PI * i) / Math.max(n, 1);
      cx[i] = 0.5 + 0.25 * Math.cos(a);
      cy[i] = 0.5 + 0.25 * Math.sin(a);
      hw[i] = hh[i] = containers.has(o.id) ? 0.3 : 0.1;
    }
  });
  const move = (i: number, dx: number, dy: number) => {
    if (fixed[i]) return;
    cx[i] = Math.min(1 - hw[i], Math.max(hw[i], cx[i] + dx));
    cy[i] = Math.min(1 - hh[i], Math.max(hh[i], cy[i] + dy));
  };
  // Moves for "s before o along an axis": the gap needed between centres.
  const separate = (s: number, o: number, axis: 'x' | 'y') => {
    const c = axis === 'x' ? cx : cy;
    const h = axis === 'x' ? hw : hh;
    // The angle rule also needs the offset across the axis to stay smaller than along it.
    const across = axis === 'x' ? cy : cx;
    const pull = (across[o] - across[s]) * 0.1;
    if (axis === 'x') {
      move(s, 0, pull);
      move(o, 0, -pull);
    } else {
      move(s, pull, 0);
      move(o, -pull, 0);
    }
    const need = h[s] + h[o] + margin - (c[o] - c[s]);
    if (need <= 0) return;
    const share = fixed[s] || fixed[o] ? need : need / 2;
    if (axis === 'x') {
      move(s, -share, 0);
      move(o, share, 0);
    } else {
      move(s, 0, -share);
      move(o, 0, share);
    }
  };
  const contain = (inner: number, outer: number) => {
    if (!fixed[inner]) {
      hw[inner] = Math.min(hw[inner], hw[outer] * 0.6);
      hh[inner] = Math.min(hh[inner], hh[outer] * 0.6);
    }
    const dx = Math.max(0, Math.abs(cx[inner] - cx[outer]) + hw[inner] + margin - hw[outer]);
    const dy = Math.max(0, Math.abs(cy[inner] - cy[outer]) + hh[inner] + margin - hh[outer]);
    move(inner, -Math.sign(cx[inner] - cx[outer]) * dx, -Math.sign(cy[inner] - cy[outer]) * dy);
  };
  for (let it = 0; it < iterations; it++) {
    for (const r of graph.relations) {
      const s = index.get(r.subject);
      const o = index.get(r.object);
      if (s === undefined || o === undefined) continue;
      switch (r.predicate) {
        case 'left of':
          separate(s, o, 'x');
          break;
        case 'right of':
          separate(o, s, 'x');
          break;
        case 'above':
          separate(s, o, 'y');
          break;
        case 'below':
          separate(o, s, 'y');
          break;
        case 'inside':
          contain(s, o);
          break;
        case 'surrounding':
          contain(o, s);
          break;
      }
    }
  }
  const round = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
  return {
    objects: graph.objects.map((o, i) =>
      o.box
        ? o
        : {
            ...o,
            box: [
              round(cx[i] - hw[i]),
              round(cy[i] - hh[i]),
              round(cx[i] + hw[i]),
              round(cy[i] + hh[i]),
            ] as Box,
          },
    ),
    relations: graph.relations,
  };
}
