import { createHash } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '../tf/index.js';
import { CheckpointError } from '../checkpoint/errors.js';
import { fetchReader, type FetchReaderOptions } from '../checkpoint/fetch-reader.js';
import { float32ToFloat16 } from '../checkpoint/float16.js';
import {
  FORMAT,
  FORMAT_VERSION,
  MODEL_JSON,
  SHARD_BYTES,
  shardName,
  weightByteLength,
  type CheckpointMeta,
  type ModelJson,
  type ShardSpec,
  type WeightDtype,
  type WeightSpec,
} from '../checkpoint/format.js';
import {
  loadInto,
  readCheckpoint,
  type CheckpointReader,
  type LoadedCheckpoint,
  type LoadOptions,
} from '../checkpoint/read.js';
import { NN_VERSION } from '../version.js';
import { writeDirAtomically } from './atomic-dir.js';

/** Anything with named tensors: a Module, an EMA, optimiser state. */
export interface WeightSource {
  parameters(): ReadonlyMap<string, tf.Tensor>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface SaveOptions {
  /** Store float32 weights as half floats: half the bytes, ~3 significant digits. */
  float16?: boolean;
}

/**
 * Writes `source`'s tensors as a checkpoint folder (model.json + ≤ 4 MiB shards), atomically:
 * into a temporary folder, then renamed to `dir`. Streams one shard at a time.
 */
export async function saveCheckpoint(
  dir: string,
  source: WeightSource,
  meta: CheckpointMeta = {},
  { float16 = false }: SaveOptions = {},
): Promise<{ files: string[]; bytes: number }> {
  const entries = [...source.parameters()];
  const specs: WeightSpec[] = entries.map(([name, t]) => {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new CheckpointError(`cannot save weight "${name}": dtype ${t.dtype} is not supported`, {
        weight: name,
      });
    }
    return {
      name,
      shape: [...t.shape],
      dtype: t.dtype as WeightDtype,
      ...(float16 && t.dtype === 'float32' ? { quantization: { dtype: 'float16' as const } } : {}),
    };
  });
  const total = specs.reduce((a, s) => a + weightByteLength(s), 0);
  const count = Math.ceil(total / SHARD_BYTES);
  const shards: ShardSpec[] = [];
  await writeDirAtomically(dir, async (tmp) => {
    let buffer = new Uint8Array(Math.min(SHARD_BYTES, total));
    let fill = 0;
    const flush = async () => {
      const bytes = buffer.subarray(0, fill);
      const path = shardName(shards.length, count);
      await writeFile(join(tmp, path), bytes);
      shards.push({ path, byteLength: fill, sha256: sha256(bytes) });
      fill = 0;
      buffer = new Uint8Array(
        Math.max(0, Math.min(SHARD_BYTES, total - shards.length * SHARD_BYTES)),
      );
    };
    for (const [i, [name, t]] of entries.entries()) {
      const data = await t.data();
      let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (specs[i].quantization) {
        const half = float32ToFloat16(data as Float32Array);
        if (half.overflow !== undefined)
          throw new CheckpointError(
            `cannot save weight "${name}" as float16: ${data[half.overflow]} is beyond its range (±65504)`,
            { weight: name },
          );
        bytes = half.bytes;
      }
      while (bytes.byteLength > 0) {
        if (buffer.byteLength === fill)
          throw new Error('saveCheckpoint: a tensor changed size while saving');
        const n = Math.min(bytes.byteLength, buffer.byteLength - fill);
        buffer.set(bytes.subarray(0, n), fill);
        fill += n;
        bytes = bytes.subarray(n);
        if (fill === buffer.byteLength) await flush();
      }
    }
    if (fill > 0) await flush();
    const json: ModelJson = {
      format: FORMAT,
      generatedBy: `@sgdiff/nn ${NN_VERSION}`,
      convertedBy: null,
      weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
      userDefinedMetadata: {
        formatVersion: FORMAT_VERSION,
        meta,
        versions: { '@sgdiff/nn': NN_VERSION, '@tensorflow/tfjs-core': tf.version_core },
        shards,
      },
    };
    await writeFile(join(tmp, MODEL_JSON), JSON.stringify(json, null, 1));
  });
  return { files: [MODEL_JSON, ...shards.map((s) => s.path)], bytes: total };
}

/** Reads a checkpoint folder from disk. */
export function fsReader(dir: string): CheckpointReader {
  return {
    where: dir,
    readText: (file) => readFile(join(dir, file), 'utf8'),
    async readBytes(file, expectedBytes, onProgress) {
      // Read at most one byte more than expected: enough to tell "too long" without reading a huge file.
      const handle = await open(join(dir, file), 'r');
      try {
        const buf = new Uint8Array(expectedBytes + 1);
        let at = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buf, at, buf.byteLength - at, at);
          if (bytesRead === 0) break;
          at += bytesRead;
          if (at === buf.byteLength) break;
        }
        onProgress?.({ status: 'done', file, loaded: at, total: expectedBytes });
        return buf.subarray(0, at);
      } finally {
        await handle.close();
      }
    },
    sha256: async (bytes) => sha256(bytes),
  };
}

function readerFor(dirOrUrl: string, options: FetchReaderOptions): CheckpointReader {
  return /^https?:\/\//.test(dirOrUrl) ? fetchReader(dirOrUrl, options) : fsReader(dirOrUrl);
}

/** Loads a checkpoint from a folder, or from an http(s) URL through the browser loader. */
export function loadCheckpoint(
  dirOrUrl: string,
  options: LoadOptions & FetchReaderOptions = {},
): Promise<LoadedCheckpoint> {
  return readCheckpoint(readerFor(dirOrUrl, { cache: false, ...options }), options);
}

/** Loads into a module; names, shapes and dtypes are checked before anything is allocated. */
export function loadCheckpointInto(
  module: {
    parameters(): ReadonlyMap<string, tf.Tensor>;
    loadWeights(w: ReadonlyMap<string, tf.Tensor>): void;
  },
  dirOrUrl: string,
  options: Omit<LoadOptions, 'expect'> & FetchReaderOptions = {},
): Promise<CheckpointMeta> {
  return loadInto(module, readerFor(dirOrUrl, { cache: false, ...options }), options);
}
