import sharp from 'sharp';

export interface ResizedImage {
  /** PNG bytes of the image squashed to size × size RGB (sg2im resizes without cropping). */
  png: Uint8Array;
  /** The source's own size in pixels. */
  width: number;
  height: number;
}

/** Returns undefined for a missing, truncated or undecodable image: the caller skips it. */
export async function loadResizedImage(
  path: string,
  size: number,
): Promise<ResizedImage | undefined> {
  try {
    // failOn 'truncated' rejects cut-off JPEGs that would otherwise decode grey at the bottom.
    const img = sharp(path, { failOn: 'truncated' });
    const meta = await img.metadata();
    const png = await img
      .resize(size, size, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .png()
      .toBuffer();
    // No EXIF rotation: annotations refer to the stored pixels, as sg2im's PIL loading sees them.
    return { png: new Uint8Array(png), width: meta.width!, height: meta.height! };
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (x: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
