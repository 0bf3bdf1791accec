import { innerPlacement, sampleGraphLayout, SYNTHETIC_LAYOUT_PRIOR } from '@sgdiff/scene-graph';
import { Rng } from '../random.js';
import { sampleLayout, type SyntheticObject } from './scene.js';

/** Whether point (x, y) lies inside the shape drawn in `o`'s box, with a margin (test-side geometry). */
function insideShape(o: SyntheticObject, x: number, y: number, margin: number): boolean {
  const [x0, y0, x1, y1] = o.box;
  const side = x1 - x0;
  if (o.kind === 'square')
    return x >= x0 + margin && x <= x1 - margin && y >= y0 + margin && y <= y1 - margin;
  if (o.kind === 'circle')
    return Math.hypot(x - (x0 + x1) / 2, y - (y0 + y1) / 2) <= side / 2 - margin;
  // Upward triangle: at height y its half-width is (y − y0) / 2 (the box is square).
  const half = (y - y0) / 2;
  const edgeGap = (half - Math.abs(x - (x0 + x1) / 2)) * (2 / Math.sqrt(5)); // distance to the slanted edge
  return y <= y1 - margin && edgeGap >= margin;
}

describe('sampleLayout containment', () => {
  it('puts an inner thing wholly inside its container, clear of the outline', () => {
    let pairs = 0;
    for (let seed = 0; seed < 400; seed++) {
      const { objects } = sampleLayout(new Rng(seed));
      for (const inner of objects) {
        if (inner.insideOf === undefined) continue;
        pairs++;
        const outer = objects[inner.insideOf];
        // 1.5 px at 64² keeps both outlines apart.
        const margin = 1.5 / 64;
        const [x0, y0, x1, y1] = inner.box;
        for (const [x, y] of [
          [x0, y0],
          [x1, y0],
          [x0, y1],
          [x1, y1],
        ])
          expect(insideShape(outer, x, y, margin)).toBe(true);
        expect(inner.colour).not.toBe(outer.colour);
        expect(x1 - x0).toBeGreaterThanOrEqual(0.42 * 0.3 - 1e-4);
      }
    }
    expect(pairs).toBeGreaterThan(60);
  });
});

describe('SYNTHETIC_LAYOUT_PRIOR', () => {
  it("holds the generator's boxes: free things, containers and inner things fall in its ranges", () => {
    const rng = new Rng(11);
    const p = SYNTHETIC_LAYOUT_PRIOR;
    for (let k = 0; k < 300; k++) {
      const { objects } = sampleLayout(rng);
      for (const o of objects) {
        const side = o.box[2] - o.box[0];
        if (o.kind === 'stuff') {
          expect(p.stuff).toContain(o.label);
        } else if (o.insideOf !== undefined) {
          const outer = objects[o.insideOf].box;
          const place = innerPlacement(p, objects[o.insideOf].label);
          const outerSide = outer[2] - outer[0];
          const ratio = side / outerSide;
          expect(ratio).toBeGreaterThanOrEqual(place.scale[0] - 1e-3);
          expect(ratio).toBeLessThanOrEqual(place.scale[1] + 1e-3);
          // Where the prior centres it, give or take the generator's jitter (3% of the side).
          const [cx, cy] = [(o.box[0] + o.box[2]) / 2, (o.box[1] + o.box[3]) / 2];
          expect(Math.abs(cx - (outer[0] + outerSide * place.centre[0]))).toBeLessThan(
            0.031 * outerSide + 1e-3,
          );
          expect(Math.abs(cy - (outer[1] + outerSide * place.centre[1]))).toBeLessThan(
            0.031 * outerSide + 1e-3,
          );
        } else if (objects.some((x) => x.insideOf === objects.indexOf(o))) {
          expect(side).toBeGreaterThanOrEqual(p.containerSize[0] - 1e-3);
          expect(side).toBeLessThanOrEqual(p.containerSize[1] + 1e-3);
        } else {
          expect(side).toBeGreaterThanOrEqual(p.thingSize[0] - 1e-3);
          expect(side).toBeLessThanOrEqual(p.thingSize[1] + 1e-3);
        }
      }
    }
  });

  it('lets sampleGraphLayout redraw boxes for generated graphs that keep their relations', () => {
    const rng = new Rng(12);
    let relations = 0;
    let broken = 0;
    for (let k = 0; k < 300; k++) {
      const { graph } = sampleLayout(rng);
      const bare = { ...graph, objects: graph.objects.map(({ box: _box, ...o }) => o) };
      const r = sampleGraphLayout(bare, SYNTHETIC_LAYOUT_PRIOR, { random: () => rng.next() });
      relations += graph.relations.length;
      broken += r.violated.length;
    }
    expect(relations).toBeGreaterThan(1000);
    expect(broken / relations).toBeLessThan(0.01);
  });
});
