import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

/** A small JPEG with a left-to-right gradient, so a flip is visible. */
export async function writeJpeg(path: string, width: number, height: number): Promise<void> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      raw.set([Math.round((255 * x) / width), 80, 160], (y * width + x) * 3);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg()
      .toBuffer(),
  );
}

export async function writeGarbage(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, Buffer.from('\xff\xd8 this is not really a jpeg'));
}
