// Browser-safe: nothing here touches fs, sharp or process.
export { DatasetError } from './errors.js';
export { Rng, deriveSeed, hashString } from './random.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export {
  generateSyntheticSample,
  syntheticSplitSizes,
  SYNTHETIC_SIZES,
  type SyntheticOptions,
  type SyntheticSample,
  type SyntheticSize,
} from './synthetic/generate.js';
export {
  sampleLayout,
  type ShapeKind,
  type SyntheticLayout,
  type SyntheticObject,
} from './synthetic/scene.js';
export { renderLayout, renderMasks } from './synthetic/render.js';
export { OUTLINE_RGB, STUFF_RGB, THING_RGB } from './synthetic/palette.js';
export { crc32 } from './shards/crc32.js';
export {
  decodeRecord,
  encodeRecord,
  scanShard,
  shardHeader,
  SHARD_MAGIC,
  SHARD_VERSION,
  type RecordSpan,
  type ShardRecord,
  type ShardScan,
} from './shards/record.js';
export {
  defaultShardSize,
  MANIFEST_FILE,
  parseManifest,
  shardFileName,
  shardPathProblem,
  type DatasetManifest,
  type ImageEncoding,
  type ShardEntry,
  type SplitInfo,
} from './shards/manifest.js';
export {
  ShardLoader,
  type Batch,
  type ImageDecoder,
  type LoaderOptions,
  type LoaderPosition,
  type LoaderStats,
  type ShardSource,
} from './loader/loader.js';
export { selectObjects } from './loader/select.js';
export { flipGraph, flipImage, flipMasks } from './loader/flip.js';
export {
  BOX_TOLERANCE_PX,
  COCO_RULES,
  COCO_SKIP_REASONS,
  cocoBox,
  cocoBoxProblem,
  cocoObjectProblem,
  cocoRelations,
  CocoSelection,
  type CocoBoxProblem,
  type CocoImageInfo,
  type CocoObjectRef,
  type CocoRules,
  type CocoSelectedImage,
} from './coco/rules.js';
export {
  boxMask,
  checkSegmentation,
  decodeRleString,
  polygonsToMask,
  rleToMask,
  segmentationToMask,
  type CocoSegmentation,
  type SegmentationCheck,
  type SegmentationProblem,
} from './coco/segmentation.js';
export {
  parseAliases,
  VG_RULES,
  vgBoxProblem,
  VgPreprocessor,
  type VgAttributesEntry,
  type VgEncodedImage,
  type VgImageData,
  type VgObjectsEntry,
  type VgRelationshipsEntry,
  type VgRules,
  type VgSplits,
} from './vg/rules.js';
