import { tf } from '@sgdiff/nn';

// One conversion for both towers: bytes → [−1, 1] is the encoder's (the layer below).
export { imagesToTensor } from '@sgdiff/encoder';

/** Floats in [−1, 1] back to bytes, clamped and rounded. */
// x: [B, H, W, 3] → Uint8Array [B, H, W, 3]
export async function tensorToImages(x: tf.Tensor4D): Promise<Uint8Array> {
  const bytes = tf.tidy(() =>
    tf.cast(tf.round(tf.clipByValue(tf.mul(tf.add(x, 1), 127.5), 0, 255)), 'int32'),
  );
  const data = await bytes.data();
  bytes.dispose();
  return Uint8Array.from(data);
}

/** RGB bytes to RGBA (opaque), as canvases and PNG writers want them. */
// rgb: [H, W, 3] → [H, W, 4]
// One RGB → RGBA conversion for every package (@sgdiff/scene-graph's), re-exported here.
export { rgbToRgba } from '@sgdiff/scene-graph';

/** Peak signal-to-noise ratio in dB of byte images (peak 255). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} vs ${b.length} values`);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
