import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { PNG } from 'pngjs';
import { DatasetError } from '../errors.js';
import { ShardLoader, type ImageDecoder, type LoaderOptions } from '../loader/loader.js';
import { MANIFEST_FILE, parseManifest, type DatasetManifest } from '../shards/manifest.js';

export interface CreateLoaderOptions extends LoaderOptions {
  /** A dataset folder with `manifest.json`. */
  dir: string;
}

export async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DatasetError(
      `${dir}: no ${MANIFEST_FILE} (not a prepared dataset folder, or preparation not finished)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json, path);
}

/** Raw RGB is used as stored; PNG is decoded with pngjs (alpha dropped). */
export function nodeImageDecoder(encoding: DatasetManifest['image']['encoding']): ImageDecoder {
  if (encoding === 'rgb') return (bytes) => bytes;
  return (bytes, size) => {
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width !== size || png.height !== size) return undefined;
      const out = new Uint8Array(size * size * 3);
      for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
        out[i] = png.data[j];
        out[i + 1] = png.data[j + 1];
        out[i + 2] = png.data[j + 2];
      }
      return out;
    } catch {
      return undefined;
    }
  };
}

/**
 * Opens a dataset split for training or evaluation:
 * `for await (const {images, graphs, packed} of await createLoader({...}))`.
 */
export async function createLoader(opts: CreateLoaderOptions): Promise<ShardLoader> {
  const manifest = await readManifest(opts.dir);
  const root = resolve(opts.dir);
  const source = {
    read: async (file: string) => {
      // parseManifest already refuses such names; this guards a ShardEntry built by hand.
      const path = resolve(root, file);
      if (!path.startsWith(root + sep))
        throw new DatasetError(
          `${file}: shard path leaves the dataset folder ${opts.dir}, refused`,
        );
      return new Uint8Array(await readFile(path));
    },
  };
  return new ShardLoader(manifest, source, nodeImageDecoder(manifest.image.encoding), opts);
}
