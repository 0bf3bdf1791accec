import type { Box, SceneGraph } from '@sgdiff/scene-graph';
import { EvalError } from '../errors.js';
import { gridSize, type OracleConfig } from './config.js';

/** Training targets for a batch, flat row-major. */
export interface OracleTargets {
  /** Gaussian peaks, 1 at each instance's centre cell: [B, G, G, K]. */
  heat: Float32Array;
  /** (left, top, right, bottom) from the cell centre, in cells: [B, G, G, K*4]. */
  boxes: Float32Array;
  /** 1 where `boxes` holds a target (the 3×3 cells around each centre), else 0: [B, G, G, K]. */
  boxMask: Float32Array;
  /** Instances in the batch (normalises the heatmap loss). */
  count: number;
}

/** Label → class index, with an error naming the label the oracle does not know. */
export function classIndex(config: OracleConfig): (label: string) => number {
  const index = new Map(config.classes.map((c, i) => [c, i]));
  return (label) => {
    const k = index.get(label);
    if (k === undefined)
      throw new EvalError(
        `the oracle has no class "${label}" (it knows ${config.classes.length}: ${config.classes.slice(0, 4).join(', ')}, …)`,
      );
    return k;
  };
}

/** The cell holding a box's centre. */
export function centreCell(box: Box, grid: number): [number, number] {
  const clampCell = (v: number) => Math.min(grid - 1, Math.max(0, Math.floor(v * grid)));
  return [clampCell((box[0] + box[2]) / 2), clampCell((box[1] + box[3]) / 2)];
}

/**
 * CenterNet-style targets from graphs with boxes. The heatmap's Gaussian has σ = max(0.5,
 * min side in cells / 6). Box targets go to the 3×3 cells around the centre cell, so a peak one
 * cell off still carries a trained box; where two instances of a class claim a cell, the nearer
 * centre wins.
 */
export function oracleTargets(graphs: SceneGraph[], config: OracleConfig): OracleTargets {
  const G = gridSize(config);
  const K = config.classes.length;
  const B = graphs.length;
  const heat = new Float32Array(B * G * G * K);
  const boxes = new Float32Array(B * G * G * K * 4);
  const boxMask = new Float32Array(B * G * G * K);
  const owner = new Float32Array(B * G * G * K).fill(Infinity); // squared distance of the current claim
  const lookup = classIndex(config);
  let count = 0;
  graphs.forEach((graph, b) => {
    for (const obj of graph.objects) {
      if (!obj.box)
        throw new EvalError(
          `graph ${b}: object "${obj.id}" has no box; the oracle trains on graphs with boxes`,
        );
      const k = lookup(obj.label);
      const box = obj.box;
      const [ci, cj] = centreCell(box, G);
      const cx = ((box[0] + box[2]) / 2) * G;
      const cy = ((box[1] + box[3]) / 2) * G;
      const sigma = Math.max(0.5, (Math.min(box[2] - box[0], box[3] - box[1]) * G) / 6);
      count++;
      for (let j = 0; j < G; j++) {
        for (let i = 0; i < G; i++) {
          const at = ((b * G + j) * G + i) * K + k;
          const g = Math.exp(-((i - ci) ** 2 + (j - cj) ** 2) / (2 * sigma * sigma));
          if (g > heat[at]) heat[at] = g;
          if (Math.abs(i - ci) > 1 || Math.abs(j - cj) > 1) continue;
          const px = i + 0.5;
          const py = j + 0.5;
          const d2 = (px - cx) ** 2 + (py - cy) ** 2;
          if (d2 >= owner[at]) continue;
          owner[at] = d2;
          boxMask[at] = 1;
          boxes.set([px - box[0] * G, py - box[1] * G, box[2] * G - px, box[3] * G - py], at * 4);
        }
      }
    }
  });
  return { heat, boxes, boxMask, count };
}
