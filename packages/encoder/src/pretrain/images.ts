import { tf } from '@sgdiff/nn';
import { EncoderError } from '../errors.js';

/**
 * Uint8 RGB images → floats in [-1, 1], the range the image tower and the autoencoder work in.
 * images: [B, H, W, 3] flattened → [B, H, W, 3]; `width` defaults to `height` (square images).
 */
export function imagesToTensor(
  images: Uint8Array,
  batch: number,
  height: number,
  width = height,
): tf.Tensor4D {
  const expected = batch * height * width * 3;
  if (images.length !== expected) {
    throw new EncoderError(
      `images hold ${images.length} bytes, expected ${batch}×${height}×${width}×3 = ${expected} (RGB, NHWC)`,
    );
  }
  return tf.tidy(
    () =>
      tf.sub(
        tf.div(tf.tensor4d(images, [batch, height, width, 3], 'float32'), 127.5),
        1,
      ) as tf.Tensor4D,
  );
}
