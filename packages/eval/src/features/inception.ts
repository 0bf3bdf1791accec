import { tf } from '@sgdiff/nn';
import { EvalError } from '../errors.js';
import { bytesView } from '../oracle/model.js';
import type { FeatureExtractor, ImageBatch } from './feature-extractor.js';

/**
 * The part of a tfjs GraphModel / LayersModel the extractor uses: one NHWC batch in [−1, 1] at
 * 299×299 in, the 2048-d pool features and (optionally) 1008-way logits out.
 */
export interface InceptionLikeModel {
  // x: [B, 299, 299, 3] → pool: [B, dim] (or [B, 1, 1, dim]); logits: [B, classes]
  predict(x: tf.Tensor4D): { pool: tf.Tensor; logits?: tf.Tensor };
  dispose?(): void;
}

export interface InceptionOptions {
  /** Network input side; 299 for InceptionV3. */
  inputSize?: number;
  batchSize?: number;
  name?: string;
}

/**
 * InceptionV3 features as pytorch-fid computes them: bytes → [0, 1] → bilinear resize to 299
 * (align_corners = false, no antialias) → [−1, 1] → pool3 features; logits → softmax for IS.
 */
export class InceptionExtractor implements FeatureExtractor {
  readonly name: string;
  readonly inputSize: number;
  readonly batchSize: number;
  private dimension = -1;

  constructor(
    readonly model: InceptionLikeModel,
    options: InceptionOptions = {},
  ) {
    this.inputSize = options.inputSize ?? 299;
    this.batchSize = options.batchSize ?? 32;
    this.name = options.name ?? 'inception-v3';
  }

  get dim(): number {
    if (this.dimension < 0)
      throw new EvalError(`${this.name}: feature dimension is known after the first batch`);
    return this.dimension;
  }

  // images → x: [b, S, S, 3] in [−1, 1]
  preprocess(images: ImageBatch, start: number, count: number): tf.Tensor4D {
    const { side, channels } = images;
    const per = side * side * channels;
    return tf.tidy(() => {
      let x = tf.tensor4d(
        bytesView(images.data.subarray(start * per, (start + count) * per)),
        [count, side, side, channels],
        'int32',
      );
      if (channels !== 3) x = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 3]);
      let f = tf.div(tf.cast(x, 'float32'), 255) as tf.Tensor4D;
      if (side !== this.inputSize)
        f = tf.image.resizeBilinear(f, [this.inputSize, this.inputSize], false, false);
      return tf.sub(tf.mul(f, 2), 1) as tf.Tensor4D;
    });
  }

  private async run(
    images: ImageBatch,
    want: 'pool' | 'logits',
  ): Promise<{ data: Float32Array; width: number }> {
    checkBatch(images);
    const chunks: Float32Array[] = [];
    let width = -1;
    for (let s = 0; s < images.n; s += this.batchSize) {
      const m = Math.min(this.batchSize, images.n - s);
      const out = tf.tidy(() => {
        const r = this.model.predict(this.preprocess(images, s, m));
        const t = want === 'pool' ? r.pool : r.logits;
        if (!t)
          throw new EvalError(
            `${this.name}: the model gives no logits, so Inception Score cannot be computed`,
          );
        const flat = tf.reshape(t, [m, -1]);
        return want === 'logits' ? tf.softmax(flat) : flat;
      });
      width = out.shape[1] as number;
      chunks.push((await out.data()) as Float32Array);
      out.dispose();
    }
    const data = new Float32Array(images.n * width);
    chunks.forEach((c, i) => data.set(c, i * this.batchSize * width));
    return { data, width };
  }

  async features(images: ImageBatch): Promise<Float32Array> {
    const { data, width } = await this.run(images, 'pool');
    this.dimension = width;
    return data;
  }

  async probs(images: ImageBatch): Promise<{ probs: Float32Array; numClasses: number }> {
    const { data, width } = await this.run(images, 'logits');
    return { probs: data, numClasses: width };
  }

  dispose(): void {
    this.model.dispose?.();
  }
}

export function checkBatch(images: ImageBatch): void {
  const { data, n, side, channels } = images;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new EvalError(`image batch: n must be a positive integer, got ${n}`);
  if (data.length !== n * side * side * channels) {
    throw new EvalError(
      `image batch: ${data.length} bytes are not ${n} images of ${side}×${side}×${channels}`,
    );
  }
}
