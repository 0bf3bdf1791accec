import type { FeatureRecipe } from './synthetic-features.js';

/** Shape of fixtures/metrics.json (written by fixtures/make_fixtures.py). */
export interface MetricFixtures {
  eps: number;
  fid: {
    name: string;
    note: string;
    a: FeatureRecipe;
    b: FeatureRecipe;
    pytorchFid: number;
    pytorchFidUsedOffset: boolean;
    withOffset: number;
    eighNoOffset: number;
    eighWithOffset: number;
    fewSamples: boolean;
  }[];
  fidExplicit: {
    name: string;
    dim: number;
    mu1: number[];
    mu2: number[];
    sigma1: number[];
    sigma2: number[];
    pytorchFid: number;
    withOffset: number;
    eighNoOffset: number;
    eighWithOffset: number;
  }[];
  kidMmd2: { name: string; a: FeatureRecipe; b: FeatureRecipe; mmd2: number }[];
  inceptionScore: {
    name: string;
    numClasses: number;
    splits: number;
    probs: number[];
    mean: number;
    std: number;
  }[];
}
