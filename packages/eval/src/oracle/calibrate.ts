import type { SceneGraph } from '@sgdiff/scene-graph';
import { matchGraph } from '../compliance/match.js';
import { EvalError } from '../errors.js';
import type { Detection } from './decode.js';

/** The oracle's compliance on real images at one detection threshold. */
export interface ThresholdPoint {
  threshold: number;
  /**
   * Label precision: of the (image, label) pairs the oracle detects, the fraction whose graph has
   * that label. Hallucinated labels are what could make absent objects "found" in generated
   * images; a second peak on a present object cannot, so duplicates do not count against it.
   */
  precision: number;
  objectRecall: number;
  relationAccuracy: number;
}

/**
 * Compliance of real images against their own graphs at each threshold, from detections decoded
 * once at a threshold at or below the lowest candidate (each image's list sorted best first).
 */
export function thresholdSweep(
  graphs: SceneGraph[],
  detections: Detection[][],
  thresholds: number[],
): ThresholdPoint[] {
  if (graphs.length !== detections.length)
    throw new EvalError(
      `thresholdSweep: ${graphs.length} graphs but detections for ${detections.length} images`,
    );
  return thresholds.map((threshold) => {
    let detectedLabels = 0;
    let trueLabels = 0;
    let objects = 0;
    let found = 0;
    let relations = 0;
    let satisfied = 0;
    graphs.forEach((g, i) => {
      const kept = detections[i].filter((d) => d.score >= threshold);
      const c = matchGraph(g, kept);
      const inGraph = new Set(g.objects.map((o) => o.label));
      for (const label of new Set(kept.map((d) => d.label))) {
        detectedLabels++;
        if (inGraph.has(label)) trueLabels++;
      }
      objects += c.objects;
      found += c.found;
      relations += c.relations;
      satisfied += c.satisfied;
    });
    return {
      threshold,
      precision: detectedLabels ? trueLabels / detectedLabels : 1,
      objectRecall: objects ? found / objects : NaN,
      relationAccuracy: relations ? satisfied / relations : NaN,
    };
  });
}

/**
 * The operating point: among thresholds whose precision on real images is at least
 * `minPrecision`, the one with the best recall + relation accuracy. Precision keeps a low
 * threshold from inflating recall on generated images with spurious detections.
 */
export function chooseThreshold(points: ThresholdPoint[], minPrecision = 0.95): ThresholdPoint {
  if (!points.length) throw new EvalError('chooseThreshold: no thresholds to choose from');
  const ok = points.filter((p) => p.precision >= minPrecision);
  if (!ok.length) return points.reduce((a, b) => (b.precision > a.precision ? b : a));
  return ok.reduce((a, b) =>
    b.objectRecall + b.relationAccuracy > a.objectRecall + a.relationAccuracy ? b : a,
  );
}
