import { fetchReader, type FetchReaderOptions } from './fetch-reader.js';
import { loadInto, readCheckpoint, type LoadedCheckpoint, type LoadOptions } from './read.js';
import type { CheckpointMeta } from './format.js';
import type * as tf from '../tf/index.js';

export type BrowserLoadOptions = LoadOptions & FetchReaderOptions;

/** Loads a checkpoint from a URL prefix (the folder holding model.json) with fetch. */
export function loadCheckpoint(
  url: string,
  options: BrowserLoadOptions = {},
): Promise<LoadedCheckpoint> {
  return readCheckpoint(fetchReader(url, options), options);
}

/** Loads a checkpoint from a URL into a module, checking names, shapes and dtypes first. */
export function loadCheckpointInto(
  module: {
    parameters(): ReadonlyMap<string, tf.Tensor>;
    loadWeights(w: ReadonlyMap<string, tf.Tensor>): void;
  },
  url: string,
  options: Omit<BrowserLoadOptions, 'expect'> = {},
): Promise<CheckpointMeta> {
  return loadInto(module, fetchReader(url, options), options);
}
