import {
  innerPlacement,
  overlapShare,
  relationFromBoxes,
  SYNTHETIC_LAYOUT_PRIOR,
  SYNTHETIC_COLOURS,
  SYNTHETIC_SHAPES,
  SYNTHETIC_STUFF,
  type Box,
  type GeometricPredicate,
  type SceneGraph,
} from '@sgdiff/scene-graph';
import type { Rng } from '../random.js';

export type ShapeKind = (typeof SYNTHETIC_SHAPES)[number];

/** One object of a synthetic scene, in draw order. Boxes are normalised [x0, y0, x1, y1]. */
export interface SyntheticObject {
  id: string;
  label: string;
  kind: 'stuff' | ShapeKind;
  colour: string;
  box: Box;
  /** Index of the thing this one sits inside, if any. */
  insideOf?: number;
}

export interface SyntheticLayout {
  objects: SyntheticObject[];
  /** The training graph: every thing takes part in at least one relation. */
  graph: SceneGraph;
  /** Ground truth: `relationFromBoxes` for every ordered pair (i ≠ j) of object indices. */
  allRelations: [number, GeometricPredicate, number][];
}

// Sizes are fractions of the image side, shared with the layout prior of models trained on it.
const {
  thingSize: [MIN_SIZE, MAX_SIZE],
  containerSize: [CONTAINER_MIN, CONTAINER_MAX],
  bandSplit: [SPLIT_MIN, SPLIT_MAX],
  margin: MARGIN,
  /** Free things may cover at most this share of the smaller one's box (some overlap, no hiding). */
  maxOverlap: MAX_OVERLAP,
} = SYNTHETIC_LAYOUT_PRIOR;
const PLACEMENT_TRIES = 24;

/** Boxes are rounded so that a checker recomputing relations from stored boxes agrees. */
const q = (v: number) => Math.round(v * 10000) / 10000;

/**
 * Samples a scene: 1–2 stuff bands, then 3–8 things with varied sizes and positions, a few
 * overlapping and some inside a larger one. Relations follow sg2im's COCO recipe: each thing is
 * paired with another object (its container if it has one), a coin flip picks the subject, and
 * `relationFromBoxes` labels the pair.
 */
export function sampleLayout(rng: Rng): SyntheticLayout {
  const objects: SyntheticObject[] = [];

  // Stuff: one full-image band, or two bands split at a random height.
  const stuff = rng.shuffle([...SYNTHETIC_STUFF]);
  if (rng.next() < 0.5) {
    objects.push({ id: 's0', label: stuff[0], kind: 'stuff', colour: stuff[0], box: [0, 0, 1, 1] });
  } else {
    // Sky, when drawn, is the top band.
    const pair = stuff.slice(0, 2);
    if (pair[1] === 'sky') pair.reverse();
    const split = q(rng.uniform(SPLIT_MIN, SPLIT_MAX));
    objects.push({
      id: 's0',
      label: pair[0],
      kind: 'stuff',
      colour: pair[0],
      box: [0, 0, 1, split],
    });
    objects.push({
      id: 's1',
      label: pair[1],
      kind: 'stuff',
      colour: pair[1],
      box: [0, split, 1, 1],
    });
  }
  const firstThing = objects.length;

  const nThings = rng.int(3, 8);
  // Some scenes nest a thing inside a larger one; the container is placed first.
  const nInner =
    nThings >= 4 && rng.next() < 0.45 ? (nThings >= 6 && rng.next() < 0.35 ? 2 : 1) : 0;
  const nFree = nThings - nInner;
  const containers: number[] = [];

  for (let t = 0; t < nFree; t++) {
    const isContainer = t < nInner;
    const kind = rng.pick(SYNTHETIC_SHAPES);
    const colour = rng.pick(SYNTHETIC_COLOURS);
    let best: Box | undefined;
    let bestOverlap = Infinity;
    for (let attempt = 0; attempt < PLACEMENT_TRIES && bestOverlap > 0; attempt++) {
      const size = isContainer
        ? rng.uniform(CONTAINER_MIN, CONTAINER_MAX)
        : rng.uniform(MIN_SIZE, MAX_SIZE);
      const x0 = rng.uniform(MARGIN, 1 - MARGIN - size);
      const y0 = rng.uniform(MARGIN, 1 - MARGIN - size);
      const box: Box = [q(x0), q(y0), q(x0 + size), q(y0 + size)];
      let worst = 0;
      for (let j = firstThing; j < objects.length; j++) {
        let share = overlapShare(box, objects[j].box);
        // Nothing may cover a container, or it would hide the thing inside.
        if (containers.includes(j) && share > 0) share = 1;
        worst = Math.max(worst, share);
      }
      if (worst < bestOverlap) {
        bestOverlap = worst;
        best = box;
      }
      if (worst <= MAX_OVERLAP && rng.next() < 0.5) break;
    }
    if (isContainer) containers.push(objects.length);
    objects.push({ id: `t${t}`, label: `${colour} ${kind}`, kind, colour, box: best! });
  }

  for (let k = 0; k < nInner; k++) {
    const outerIdx = containers[k];
    const outer = objects[outerIdx];
    const kind = rng.pick(SYNTHETIC_SHAPES);
    const colour = rng.pick(SYNTHETIC_COLOURS.filter((c) => c !== outer.colour));
    const [ox0, oy0, ox1, oy1] = outer.box;
    const side = ox1 - ox0;
    // Centre the inner thing where the outer shape is widest: a square's or circle's centre,
    // or low in a triangle (its inscribed square stands on the base), clear of the outline.
    const tri = outer.kind === 'triangle';
    const place = innerPlacement(SYNTHETIC_LAYOUT_PRIOR, outer.label);
    const size = side * rng.uniform(...place.scale);
    const jitter = side * (tri ? 0.015 : 0.03);
    // (a + b) / 2 rather than a + side / 2 for a centred thing, so that the data stays bit-exact.
    const cx =
      (place.centre[0] === 0.5 ? (ox0 + ox1) / 2 : ox0 + side * place.centre[0]) +
      rng.uniform(-jitter, jitter);
    const cy =
      (place.centre[1] === 0.5 ? (oy0 + oy1) / 2 : oy0 + side * place.centre[1]) +
      rng.uniform(-jitter, jitter);
    const box: Box = [q(cx - size / 2), q(cy - size / 2), q(cx + size / 2), q(cy + size / 2)];
    objects.push({
      id: `t${nFree + k}`,
      label: `${colour} ${kind}`,
      kind,
      colour,
      box,
      insideOf: outerIdx,
    });
  }

  const relations: SceneGraph['relations'] = [];
  const paired = new Set<string>();
  for (let i = firstThing; i < objects.length; i++) {
    let other = objects[i].insideOf;
    if (other === undefined) {
      // Another object not yet paired with this one, if there is one.
      const choices = objects
        .map((_, j) => j)
        .filter((j) => j !== i && !paired.has(`${Math.min(i, j)},${Math.max(i, j)}`));
      if (choices.length === 0) continue;
      other = rng.pick(choices);
    }
    paired.add(`${Math.min(i, other)},${Math.max(i, other)}`);
    const [s, o] = rng.next() < 0.5 ? [i, other] : [other, i];
    relations.push({
      subject: objects[s].id,
      predicate: relationFromBoxes(objects[s].box, objects[o].box),
      object: objects[o].id,
    });
  }

  const allRelations: SyntheticLayout['allRelations'] = [];
  for (let i = 0; i < objects.length; i++) {
    for (let j = 0; j < objects.length; j++) {
      if (i !== j) allRelations.push([i, relationFromBoxes(objects[i].box, objects[j].box), j]);
    }
  }

  return {
    objects,
    graph: {
      objects: objects.map((o) => ({ id: o.id, label: o.label, box: [...o.box] as Box })),
      relations,
    },
    allRelations,
  };
}
