// Messages between the page and the generation worker. Images travel as transferred RGBA buffers.
import type { SamplerName } from '@sgdiff/diffusion';
import type { RgbaImage, SceneGraph, VocabularyJson } from '@sgdiff/scene-graph';

/** A preview or final image, as transferred from the worker. */
export type Frame = RgbaImage;

export interface GenerateRequest {
  id: number;
  graph: SceneGraph;
  seed: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
  /** Decode the denoised estimate at every step for a live preview. */
  preview: boolean;
  /**
   * A model with layout input: the layout of the image being edited, whose untouched objects
   * keep their boxes (`keepUntouchedBoxes`).
   */
  previousLayout?: SceneGraph;
}

export type ToWorker =
  | { type: 'init'; backend: string; modelUrl: string }
  | ({ type: 'generate' } & GenerateRequest)
  | { type: 'cancel'; id: number };

export interface ModelInfo {
  imageSize: number;
  maxObjects: number;
  defaults: {
    sampler: SamplerName;
    steps: number;
    guidance: number;
    lateGuidance?: { below: number; scale: number };
  };
  provenance?: Record<string, unknown>;
  vocabulary: VocabularyJson;
}

export interface DownloadProgress {
  status: string;
  file: string;
  part: string;
  loaded: number;
  total: number;
}

export type FromWorker =
  | { type: 'backend'; backend: string; adapter: string; softwareFallback: boolean }
  | { type: 'progress'; progress: DownloadProgress }
  | { type: 'ready'; model: ModelInfo; loadMs: number }
  | {
      type: 'step';
      id: number;
      i: number;
      steps: number;
      t: number;
      preview?: Frame;
      msPerStep: number;
    }
  | {
      type: 'done';
      id: number;
      image: Frame & { seed: number };
      /** The graph with the boxes it was drawn in (a model with layout input). */
      layout?: SceneGraph;
      totalMs: number;
      msPerStep: number;
    }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id?: number; stage: 'init' | 'generate'; message: string };
