export { CheckpointError } from './errors.js';
export {
  MODEL_JSON,
  SHARD_BYTES,
  FORMAT,
  FORMAT_VERSION,
  checkManifest,
  checkAgainstExpected,
  type CheckpointMeta,
  type CheckpointMetadata,
  type ModelJson,
  type WeightSpec,
  type WeightQuantization,
  type ShardSpec,
  type ExpectedWeights,
} from './format.js';
export {
  readCheckpoint,
  readManifest,
  loadInto,
  type CheckpointReader,
  type LoadOptions,
  type LoadedCheckpoint,
  type ProgressCallback,
  type ProgressEvent,
} from './read.js';
export { fetchReader, type CacheLike, type FetchReaderOptions } from './fetch-reader.js';
export { loadCheckpoint, loadCheckpointInto, type BrowserLoadOptions } from './load-browser.js';
