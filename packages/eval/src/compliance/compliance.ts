import type { SceneGraph } from '@sgdiff/scene-graph';
import { EvalError } from '../errors.js';
import { matchGraph, type GraphCompliance, type LabelledBox } from './match.js';

export interface ComplianceSummary {
  images: number;
  objects: number;
  found: number;
  /** found / objects. */
  objectRecall: number;
  relations: number;
  satisfied: number;
  /** satisfied / relations. */
  relationAccuracy: number;
  perImage: GraphCompliance[];
}

/**
 * Object recall and relation accuracy of images against the graphs they were made from, given
 * what a detector (the synthetic oracle) found in each image, best detection first.
 */
export function complianceMetrics(
  graphs: SceneGraph[],
  detections: LabelledBox[][],
): ComplianceSummary {
  if (graphs.length !== detections.length) {
    throw new EvalError(
      `compliance: ${graphs.length} graphs but detections for ${detections.length} images`,
    );
  }
  const perImage = graphs.map((g, i) => matchGraph(g, detections[i]));
  const sum = (f: (c: GraphCompliance) => number) => perImage.reduce((a, c) => a + f(c), 0);
  const objects = sum((c) => c.objects);
  const found = sum((c) => c.found);
  const relations = sum((c) => c.relations);
  const satisfied = sum((c) => c.satisfied);
  return {
    images: graphs.length,
    objects,
    found,
    objectRecall: objects ? found / objects : NaN,
    relations,
    satisfied,
    relationAccuracy: relations ? satisfied / relations : NaN,
    perImage,
  };
}
