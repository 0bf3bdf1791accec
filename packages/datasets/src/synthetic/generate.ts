import type { GeometricPredicate, SceneGraph } from '@sgdiff/scene-graph';
import { deriveSeed, hashString, Rng } from '../random.js';
import { renderLayout, renderMasks } from './render.js';
import { sampleLayout } from './scene.js';

export const SYNTHETIC_SIZES = [64, 128, 256] as const;
export type SyntheticSize = (typeof SYNTHETIC_SIZES)[number];

export interface SyntheticOptions {
  seed: number;
  /** The stream: each split draws its own, so the val set does not depend on the train count. */
  split: string;
  index: number;
  size: number;
  /** Side of the box-relative masks (sg2im uses 16). */
  maskSize?: number;
}

export interface SyntheticSample {
  /** `<split>/<index>`. */
  key: string;
  // image: Uint8Array [size, size, 3]
  image: Uint8Array;
  graph: SceneGraph;
  // masks: Uint8Array [graph.objects.length, maskSize, maskSize], box-relative, 0–255
  masks: Uint8Array;
  /** Ground truth for every ordered pair of objects: [subject index, predicate, object index]. */
  allRelations: [number, GeometricPredicate, number][];
}

/**
 * Makes sample `index` of a split from nothing but (seed, split, index): byte-identical on
 * every run, and any sample can be made alone.
 */
export function generateSyntheticSample({
  seed,
  split,
  index,
  size,
  maskSize = 16,
}: SyntheticOptions): SyntheticSample {
  const rng = new Rng(deriveSeed(seed, hashString(split), index));
  const layout = sampleLayout(rng);
  return {
    key: `${split}/${index}`,
    image: renderLayout(layout.objects, size),
    graph: layout.graph,
    masks: renderMasks(layout.objects, maskSize),
    allRelations: layout.allRelations,
  };
}

/** sg2im-style split sizes: 80/10/10 of `count` unless val/test counts are given. */
export function syntheticSplitSizes(
  count: number,
  val?: number,
  test?: number,
): { train: number; val: number; test: number } {
  const v = val ?? Math.round(count * 0.1);
  const t = test ?? Math.round(count * 0.1);
  return { train: Math.max(0, count - v - t), val: v, test: t };
}
