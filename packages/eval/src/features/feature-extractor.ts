/** Byte images, row-major: [n, side, side, channels] (3 = RGB, 4 = RGBA; alpha is ignored). */
export interface ImageBatch {
  data: Uint8Array | Uint8ClampedArray;
  n: number;
  side: number;
  channels: 3 | 4;
}

/**
 * What FID/KID/IS need from a network: pooled features and, for IS, class probabilities. The
 * synthetic oracle and InceptionV3 both implement it; tests use small random networks.
 */
export interface FeatureExtractor {
  readonly name: string;
  /** Feature dimension (2048 for InceptionV3's pool3). */
  readonly dim: number;
  /** Features, row-major [n, dim]. */
  features(images: ImageBatch): Promise<Float32Array>;
  /** Softmax class probabilities, row-major [n, numClasses], when the network has a classifier. */
  probs?(images: ImageBatch): Promise<{ probs: Float32Array; numClasses: number }>;
  dispose(): void;
}
