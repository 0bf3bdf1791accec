import * as tf from '../tf/index.js';
import { CheckpointError } from './errors.js';
import { float16ToFloat32 } from './float16.js';
import {
  checkAgainstExpected,
  checkManifest,
  MODEL_JSON,
  type CheckedManifest,
  type CheckpointMeta,
  type ExpectedWeights,
} from './format.js';

/** `{status, file, loaded, total}` as transformers.js reports it. */
export interface ProgressEvent {
  status: 'progress' | 'done';
  file: string;
  loaded: number;
  total: number;
}
export type ProgressCallback = (event: ProgressEvent) => void;

/** Where checkpoint files come from: a folder on disk, or a URL prefix. */
export interface CheckpointReader {
  /** For messages: the folder or URL. */
  readonly where: string;
  readText(file: string): Promise<string>;
  /** Reads a whole file; reports progress against `expectedBytes`. */
  readBytes(
    file: string,
    expectedBytes: number,
    onProgress?: ProgressCallback,
  ): Promise<Uint8Array>;
  sha256(bytes: Uint8Array): Promise<string>;
  /** Called once a file's bytes matched its checksum (the browser reader caches them then). */
  verified?(file: string, sha256: string, bytes: Uint8Array): Promise<void>;
}

export interface LoadOptions {
  /** Weights the caller needs (e.g. `module.parameters()`): names, shapes, dtypes checked first. */
  expect?: ExpectedWeights;
  onProgress?: ProgressCallback;
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  versions: Record<string, string>;
  weights: Map<string, tf.Tensor>;
  dispose(): void;
}

/** Reads and validates model.json only: nothing is allocated. */
export async function readManifest(reader: CheckpointReader): Promise<CheckedManifest> {
  let text: string;
  try {
    text = await reader.readText(MODEL_JSON);
  } catch (e) {
    throw new CheckpointError(
      `${reader.where}: cannot read ${MODEL_JSON} (${e instanceof Error ? e.message : String(e)})`,
      {
        file: MODEL_JSON,
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CheckpointError(`${reader.where}/${MODEL_JSON} is not valid JSON`, {
      file: MODEL_JSON,
    });
  }
  return checkManifest(raw, reader.where);
}

/**
 * Loads a checkpoint: manifest checked, then (if given) compared with the expected weights, then
 * every shard read and its length and sha256 verified. Tensors are made only after all that.
 */
export async function readCheckpoint(
  reader: CheckpointReader,
  options: LoadOptions = {},
): Promise<LoadedCheckpoint> {
  const manifest = await readManifest(reader);
  if (options.expect) checkAgainstExpected(manifest, options.expect, reader.where);
  const groupBytes: Uint8Array[] = [];
  for (const group of manifest.groups) {
    const total = group.shards.reduce((a, s) => a + s.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const shard of group.shards) {
      let bytes: Uint8Array;
      try {
        bytes = await reader.readBytes(shard.path, shard.byteLength, options.onProgress);
      } catch (e) {
        if (e instanceof CheckpointError) throw e;
        throw new CheckpointError(
          `${reader.where}: cannot read shard ${shard.path} (${e instanceof Error ? e.message : String(e)})`,
          {
            file: shard.path,
          },
        );
      }
      if (bytes.byteLength < shard.byteLength) {
        throw new CheckpointError(
          `${reader.where}: shard ${shard.path} is truncated: ${bytes.byteLength} of ${shard.byteLength} bytes`,
          { file: shard.path },
        );
      }
      if (bytes.byteLength > shard.byteLength) {
        throw new CheckpointError(
          `${reader.where}: shard ${shard.path} has ${bytes.byteLength} bytes, the manifest says ${shard.byteLength}`,
          { file: shard.path },
        );
      }
      const digest = await reader.sha256(bytes);
      if (digest !== shard.sha256) {
        throw new CheckpointError(
          `${reader.where}: checksum mismatch in shard ${shard.path} (sha256 ${digest}, manifest ${shard.sha256}); the file is corrupt or from another checkpoint`,
          { file: shard.path },
        );
      }
      await reader.verified?.(shard.path, digest, bytes);
      all.set(bytes, at);
      at += bytes.byteLength;
    }
    groupBytes.push(all);
  }
  const weights = new Map<string, tf.Tensor>();
  manifest.groups.forEach((group, g) => {
    const bytes = groupBytes[g];
    for (const w of group.weights) {
      // Copy out: the slice must be 4-byte aligned for the typed array view.
      const copy = bytes.slice(w.offset, w.offset + w.byteLength).buffer;
      const values = w.quantization
        ? float16ToFloat32(copy)
        : w.dtype === 'int32'
          ? new Int32Array(copy)
          : new Float32Array(copy);
      weights.set(w.name, tf.tensor(values, w.shape, w.dtype));
    }
  });
  const metadata = manifest.json.userDefinedMetadata;
  return {
    meta: metadata.meta ?? {},
    versions: metadata.versions ?? {},
    weights,
    dispose: () => tf.dispose([...weights.values()]),
  };
}

/** Loads into a module: checked against `module.parameters()` first, then assigned. */
export async function loadInto(
  target: {
    parameters(): ReadonlyMap<string, tf.Tensor>;
    loadWeights(w: ReadonlyMap<string, tf.Tensor>): void;
  },
  reader: CheckpointReader,
  options: Omit<LoadOptions, 'expect'> = {},
): Promise<CheckpointMeta> {
  const ckpt = await readCheckpoint(reader, { ...options, expect: target.parameters() });
  try {
    target.loadWeights(ckpt.weights);
  } finally {
    ckpt.dispose();
  }
  return ckpt.meta;
}
