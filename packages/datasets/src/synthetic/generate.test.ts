import {
  SYNTHETIC_STUFF,
  SYNTHETIC_THINGS,
  syntheticVocabulary,
  validateSceneGraph,
} from '@sgdiff/scene-graph';
import { generateSyntheticSample, syntheticSplitSizes } from './generate.js';

/** The table, written out independently of relationFromBoxes. */
function tableRule(s: number[], o: number[]): string {
  if (s[0] < o[0] && s[2] > o[2] && s[1] < o[1] && s[3] > o[3]) return 'surrounding';
  if (s[0] > o[0] && s[2] < o[2] && s[1] > o[1] && s[3] < o[3]) return 'inside';
  const t = Math.atan2((s[1] + s[3] - o[1] - o[3]) / 2, (s[0] + s[2] - o[0] - o[2]) / 2);
  if (Math.abs(t) >= (3 * Math.PI) / 4) return 'left of';
  if (t < -Math.PI / 4) return 'above';
  if (t < Math.PI / 4) return 'right of';
  return 'below';
}

const N = 300;
const samples = Array.from({ length: N }, (_, i) =>
  generateSyntheticSample({ seed: 7, split: 'train', index: i, size: 64 }),
);

describe('generateSyntheticSample', () => {
  it('is byte-identical on a re-run, and sample i can be made alone', () => {
    const again = generateSyntheticSample({ seed: 7, split: 'train', index: 123, size: 64 });
    expect(Buffer.from(again.image).equals(Buffer.from(samples[123].image))).toBe(true);
    expect(again.graph).toEqual(samples[123].graph);
    expect(Buffer.from(again.masks).equals(Buffer.from(samples[123].masks))).toBe(true);
  });

  it('depends on seed and split', () => {
    const other = generateSyntheticSample({ seed: 8, split: 'train', index: 0, size: 64 });
    const val = generateSyntheticSample({ seed: 7, split: 'val', index: 0, size: 64 });
    expect(other.graph).not.toEqual(samples[0].graph);
    expect(val.graph).not.toEqual(samples[0].graph);
  });

  it('has 1–2 stuff bands and 3–8 things, all valid in the synthetic vocabulary', () => {
    const vocab = syntheticVocabulary();
    for (const s of samples) {
      const stuff = s.graph.objects.filter((o) =>
        (SYNTHETIC_STUFF as readonly string[]).includes(o.label),
      );
      const things = s.graph.objects.filter((o) => SYNTHETIC_THINGS.includes(o.label));
      expect(stuff.length).toBeGreaterThanOrEqual(1);
      expect(stuff.length).toBeLessThanOrEqual(2);
      expect(things.length).toBeGreaterThanOrEqual(3);
      expect(things.length).toBeLessThanOrEqual(8);
      expect(stuff.length + things.length).toBe(s.graph.objects.length);
      expect(() => validateSceneGraph(s.graph, vocab)).not.toThrow();
      expect(s.image.length).toBe(64 * 64 * 3);
      expect(s.masks.length).toBe(s.graph.objects.length * 16 * 16);
    }
  });

  it('gives every thing a relation, labelled by the COCO-Stuff box rule', () => {
    for (const s of samples) {
      const box = new Map(s.graph.objects.map((o) => [o.id, o.box!]));
      const inRel = new Set(s.graph.relations.flatMap((r) => [r.subject, r.object]));
      for (const o of s.graph.objects) if (o.id.startsWith('t')) expect(inRel.has(o.id)).toBe(true);
      for (const r of s.graph.relations)
        expect(r.predicate).toBe(tableRule(box.get(r.subject)!, box.get(r.object)!));
    }
  });

  it('stores every ordered pair as ground truth', () => {
    for (const s of samples.slice(0, 50)) {
      const n = s.graph.objects.length;
      expect(s.allRelations.length).toBe(n * (n - 1));
      for (const [i, p, j] of s.allRelations)
        expect(p).toBe(tableRule(s.graph.objects[i].box!, s.graph.objects[j].box!));
    }
  });

  it('varies sizes, keeps things reasonably large, and has overlap and containment', () => {
    let inside = 0;
    let overlapping = 0;
    const sides: number[] = [];
    for (const s of samples) {
      const things = s.graph.objects.filter((o) => o.id.startsWith('t'));
      for (const t of things) {
        const [x0, , x1, y1] = t.box!;
        expect(x0).toBeGreaterThanOrEqual(0);
        expect(y1).toBeLessThanOrEqual(1);
        sides.push(x1 - x0);
      }
      if (s.graph.relations.some((r) => r.predicate === 'inside' || r.predicate === 'surrounding'))
        inside++;
      const boxes = things.map((t) => t.box!);
      const overlaps = boxes.some((a, i) =>
        boxes.some(
          (b, j) =>
            j > i &&
            Math.min(a[2], b[2]) > Math.max(a[0], b[0]) &&
            Math.min(a[3], b[3]) > Math.max(a[1], b[1]),
        ),
      );
      if (overlaps) overlapping++;
    }
    // Inner things are the smallest: ≥ 0.26 · 0.4 of the image side, ~7 px at 64².
    expect(Math.min(...sides)).toBeGreaterThan(0.1);
    expect(Math.max(...sides)).toBeGreaterThan(0.4);
    expect(inside / N).toBeGreaterThan(0.1);
    expect(overlapping / N).toBeGreaterThan(0.2);
  });
});

describe('syntheticSplitSizes', () => {
  it('splits 80/10/10 unless counts are given', () => {
    expect(syntheticSplitSizes(1000)).toEqual({ train: 800, val: 100, test: 100 });
    expect(syntheticSplitSizes(1000, 50, 0)).toEqual({ train: 950, val: 50, test: 0 });
  });
});
