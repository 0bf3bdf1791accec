// Node-only: file system, sharp, streaming JSON.
export {
  createLoader,
  nodeImageDecoder,
  readManifest,
  type CreateLoaderOptions,
} from './loader.js';
export { ShardedDatasetWriter } from './shard-writer.js';
export {
  writeSyntheticDataset,
  SYNTHETIC_VERSION,
  type WriteSyntheticOptions,
} from './synthetic/write.js';
export { prepareCocoStuff, type PrepareCocoOptions } from './coco/prepare.js';
export { streamJsonArray, streamJsonObjectArrays, type JsonEngine } from './json-stream.js';
export { JsonElementScanner } from './json-scan.js';
export {
  writeImageShards,
  type PlannedImage,
  type WriteImageShardsOptions,
} from './image-shards.js';
export {
  prepareVisualGenome,
  resolveVisualGenome,
  vgImagePath,
  type PrepareVgOptions,
  type VgResolved,
} from './vg/prepare.js';
