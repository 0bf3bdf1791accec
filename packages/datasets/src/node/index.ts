// Node-only: file system, sharp, streaming JSON.
export { createLoader, nodeImageDecoder, readManifest, type CreateLoaderOptions } from './loader.js';
export { ShardedDatasetWriter } from './shard-writer.js';
export { writeSyntheticDataset, SYNTHETIC_VERSION, type WriteSyntheticOptions } from './synthetic/write.js';
