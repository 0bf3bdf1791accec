/**
 * Progress of a long operation, for a progress bar. `phase` names the current step (e.g.
 * "objects.json" or "train shards"); `done`/`total` are in `unit`s.
 */
export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
  unit: 'images' | 'bytes' | 'shards';
}

export type ProgressCallback = (event: ProgressEvent) => void;
