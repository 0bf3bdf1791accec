import { z } from 'zod';
import { relationsBrokenByBoxes } from './contradictions.js';
import { relationFromBoxes, INVERSE_PREDICATE } from './relation.js';
import type { Box, SceneGraph } from './types.js';

/**
 * What layouts a model was trained on, so that boxes drawn for a graph without them look like
 * its training data: stuff as full-width bands, things as squares of a size range.
 */
export interface LayoutPrior {
  /** Labels drawn as full-width horizontal bands that split the image from top to bottom. */
  stuff: string[];
  /** Stuff labels that, when present, are the top band (e.g. sky). */
  stuffOnTop: string[];
  /** Where two bands meet, as a share of the height. */
  bandSplit: [number, number];
  /** Side of a thing, as a share of the image side. */
  thingSize: [number, number];
  /** Side of a thing that holds another (`inside` / `surrounding`). */
  containerSize: [number, number];
  /** Side of a thing inside another, as a share of its container's side; centred in it. */
  innerScale: [number, number];
  /**
   * Where a thing sits inside a container whose label ends with a given word, where not centred
   * at `innerScale` (e.g. low in a triangle, whose widest part is near its base).
   */
  innerByContainer?: Record<string, InnerPlacement>;
  /** Free things may cover at most this share of the smaller box of another. */
  maxOverlap: number;
  /** Space kept free at the image border. */
  margin: number;
}

/** A thing inside another: its side and its centre as shares of the container's box. */
export interface InnerPlacement {
  scale: [number, number];
  /** x, y from the container's top-left corner. */
  centre: [number, number];
}

const Range = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

export const LayoutPriorSchema = z
  .object({
    stuff: z.array(z.string()),
    stuffOnTop: z.array(z.string()),
    bandSplit: Range,
    thingSize: Range,
    containerSize: Range,
    innerScale: Range,
    innerByContainer: z
      .record(z.string(), z.object({ scale: Range, centre: Range }).strict())
      .optional(),
    maxOverlap: z.number().min(0).max(1),
    margin: z.number().min(0).max(0.5),
  })
  .strict()
  .refine(
    (p) =>
      [
        p.bandSplit,
        p.thingSize,
        p.containerSize,
        p.innerScale,
        ...Object.values(p.innerByContainer ?? {}).map((i) => i.scale),
      ].every(([a, b]) => a <= b),
    {
      message: 'each range must be [min, max] with min ≤ max',
    },
  );

/** Untrusted JSON checked against `LayoutPriorSchema`: the prior, or its problems on one line. */
export function parseLayoutPrior(
  json: unknown,
): { prior: LayoutPrior; issues?: undefined } | { prior?: undefined; issues: string } {
  const r = LayoutPriorSchema.safeParse(json);
  if (r.success) return { prior: r.data as LayoutPrior };
  return {
    issues: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  };
}

/** How `prior` places a thing inside a container labelled `label` (its last word decides). */
export function innerPlacement(prior: LayoutPrior, label: string): InnerPlacement {
  const word = label.trim().split(/\s+/).pop() ?? '';
  return (
    prior.innerByContainer?.[word] ?? {
      scale: prior.innerScale,
      centre: [0.5, 0.5],
    }
  );
}

export interface SampleLayoutOptions {
  /** Uniform [0, 1) draws; seeded by the caller so a layout can be drawn again. */
  random: () => number;
  /** Whole-layout attempts; the one that breaks the fewest relations wins. */
  attempts?: number;
  /** Positions tried per thing against the things placed before it. */
  tries?: number;
}

/** What `sampleGraphLayout` drew: the graph with every box set, and the relations it breaks. */
export interface SampledLayout {
  graph: SceneGraph;
  /** Indices into `graph.relations` of geometric relations the boxes do not satisfy. */
  violated: number[];
}

/** The area two boxes share, as a fraction of the smaller one's area. */
export function overlapShare(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return (w * h) / Math.min(area(a), area(b));
}

/**
 * Draws boxes for the objects of `graph` that have none, so that its geometric relations
 * (those `relationFromBoxes` decides) hold: stuff becomes bands, then each free thing is placed
 * at random until it agrees with everything placed before it, then things inside others are
 * centred in their containers. Whole layouts are redrawn until one breaks no relation and has no
 * thing covering another beyond the prior's overlap, up to `attempts`; the least costly is kept.
 * Objects that have boxes keep them.
 */
export function sampleGraphLayout(
  graph: SceneGraph,
  prior: LayoutPrior,
  { random, attempts = 64, tries = 48 }: SampleLayoutOptions,
): SampledLayout {
  attempts = Math.max(1, attempts);
  const index = new Map(graph.objects.map((o, i) => [o.id, i]));
  const uniform = ([a, b]: [number, number]) => a + (b - a) * random();
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const stuff = graph.objects
    .map((o, i) => (o.box === undefined && prior.stuff.includes(o.label) ? i : -1))
    .filter((i) => i >= 0);
  const rels = graph.relations
    .map((r) => [index.get(r.subject)!, r.predicate, index.get(r.object)!] as const)
    .filter(([s, p, o]) => s !== undefined && o !== undefined && p in INVERSE_PREDICATE);
  // Inner things follow their container: the first inside/surrounding relation decides. A band
  // of stuff holds anything placed within it, so things inside stuff are placed freely.
  const containerOf = new Map<number, number>();
  const setInner = (inner: number, outer: number) => {
    if (!stuff.includes(outer) && !stuff.includes(inner) && !containerOf.has(inner))
      containerOf.set(inner, outer);
  };
  for (const [s, p, o] of rels) {
    if (p === 'inside') setInner(s, o);
    if (p === 'surrounding') setInner(o, s);
  }
  const containers = new Set(containerOf.values());
  // A lone band fills the image, unless a thing is beside it (above, left of, …) rather than in
  // it: the scene then had a second band that the graph lacks (the loader keeps at most 8
  // objects), and this one is drawn as a partial band at the top or the bottom.
  const partialBand =
    stuff.length === 1 &&
    rels.some(
      ([s, p, o]) => (s === stuff[0] || o === stuff[0]) && p !== 'inside' && p !== 'surrounding',
    );
  const free = graph.objects
    .map((o, i) => i)
    .filter((i) => graph.objects[i].box === undefined && !stuff.includes(i) && !containerOf.has(i));
  const inner = [...containerOf.keys()].filter((i) => graph.objects[i].box === undefined);

  // Breadth-first along the relations from a random start, so each thing meets the things
  // it is related to one at a time: a tree of relations is then always satisfiable.
  const neighbours = new Map<number, number[]>();
  for (const [s, , o] of rels) {
    neighbours.set(s, [...(neighbours.get(s) ?? []), o]);
    neighbours.set(o, [...(neighbours.get(o) ?? []), s]);
  }
  const placementOrder = (start: number[]) => {
    const seen = new Set<number>();
    const order: number[] = [];
    for (const root of start) {
      if (seen.has(root)) continue;
      const queue = [root];
      seen.add(root);
      while (queue.length) {
        const i = queue.shift()!;
        order.push(i);
        for (const j of neighbours.get(i) ?? [])
          if (!seen.has(j) && free.includes(j)) {
            seen.add(j);
            queue.push(j);
          }
      }
    }
    return order;
  };

  const violations = (boxes: (Box | undefined)[], only?: number) =>
    rels.filter(
      ([s, p, o]) =>
        (only === undefined || s === only || o === only) &&
        boxes[s] !== undefined &&
        boxes[o] !== undefined &&
        relationFromBoxes(boxes[s]!, boxes[o]!) !== p,
    ).length;

  // Things that cover each other hide each other: nothing may cover a container, and others may
  // overlap a little (the generator's rule). A breach costs half or a quarter of a relation, in
  // placing each thing and in choosing among whole layouts.
  const crowding = (boxes: (Box | undefined)[], only?: number) => {
    let cost = 0;
    for (const i of only === undefined ? free : [only])
      for (const j of free) {
        if (j === i || (only === undefined && j < i) || !boxes[i] || !boxes[j]) continue;
        const share = overlapShare(boxes[i]!, boxes[j]!);
        if ((containers.has(j) || containers.has(i)) && share > 0) cost += 0.5;
        else if (share > prior.maxOverlap) cost += 0.25;
      }
    return cost;
  };

  let best: { boxes: Box[]; cost: number } | undefined;
  for (let attempt = 0; attempt < attempts && (best?.cost ?? 1) > 0; attempt++) {
    const boxes: (Box | undefined)[] = graph.objects.map((o) => o.box && ([...o.box] as Box));
    // Bands: the top ones first, the rest in a random order, split at random heights.
    const order = shuffle([...stuff]);
    order.sort(
      (a, b) =>
        Number(prior.stuffOnTop.includes(graph.objects[b].label)) -
        Number(prior.stuffOnTop.includes(graph.objects[a].label)),
    );
    if (partialBand) {
      // Sky stays on top; other bands alternate between top and bottom from attempt to attempt.
      const i = order[0];
      const onTop = prior.stuffOnTop.includes(graph.objects[i].label) || attempt % 2 === 1;
      const split = uniform(prior.bandSplit);
      boxes[i] = onTop ? [0, 0, 1, split] : [0, split, 1, 1];
    } else {
      let top = 0;
      order.forEach((i, k) => {
        const left = order.length - k;
        // Two bands split within bandSplit; more share the height about evenly.
        const bottom = left === 1 ? 1 : top + ((1 - top) * 2 * uniform(prior.bandSplit)) / left;
        boxes[i] = [0, top, 1, Math.min(1, bottom)];
        top = boxes[i]![3];
      });
    }
    for (const i of placementOrder(shuffle([...free]))) {
      const sizeRange = containers.has(i) ? prior.containerSize : prior.thingSize;
      let pick: { box: Box; cost: number } | undefined;
      for (let t = 0; t < tries && (pick?.cost ?? 1) > 0; t++) {
        const size = uniform(sizeRange);
        const room = Math.max(0, 1 - 2 * prior.margin - size);
        const x0 = prior.margin + room * random();
        const y0 = prior.margin + room * random();
        const box: Box = [x0, y0, x0 + size, y0 + size];
        boxes[i] = box;
        const cost = violations(boxes, i) + crowding(boxes, i);
        if (!pick || cost < pick.cost) pick = { box, cost };
      }
      boxes[i] = pick!.box;
    }
    // Twice, so that a container that is itself inside another is placed first.
    for (const i of [...inner, ...inner]) {
      const outer = boxes[containerOf.get(i)!];
      if (!outer || boxes[i]) continue;
      const place = innerPlacement(prior, graph.objects[containerOf.get(i)!].label);
      const [w, h] = [outer[2] - outer[0], outer[3] - outer[1]];
      const side = Math.min(w, h) * uniform(place.scale);
      const cx = outer[0] + w * place.centre[0];
      const cy = outer[1] + h * place.centre[1];
      boxes[i] = [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
    }
    // Anything left (containers nested in a cycle) fills the image.
    const full = boxes.map((b) => b ?? ([0, 0, 1, 1] as Box));
    const cost = violations(full) + crowding(full);
    if (!best || cost < best.cost) best = { boxes: full, cost };
  }
  const boxes = best?.boxes ?? [];
  const round = (v: number) => Math.round(v * 10000) / 10000;
  const out: SceneGraph = {
    objects: graph.objects.map((o, i) => ({
      ...structuredClone(o),
      box: o.box ?? (boxes[i].map(round) as Box),
    })),
    relations: graph.relations.map((r) => ({ ...r })),
  };
  return { graph: out, violated: relationsBrokenByBoxes(out) };
}
