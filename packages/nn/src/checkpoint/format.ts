import { CheckpointError } from './errors.js';

// A module checkpoint is a folder: model.json in TensorFlow.js weights-manifest form, plus
// group1-shardKofN.bin files of at most 4 MiB. Weights are concatenated in manifest order and
// may straddle shards (as tfjs writes them). userDefinedMetadata carries our metadata.
// A float32 weight may be stored as IEEE half floats, marked as tfjs marks them:
// `quantization: {dtype: 'float16'}`; it is float32 again once loaded.

export const MODEL_JSON = 'model.json';
export const SHARD_BYTES = 4 * 1024 * 1024;
export const FORMAT = 'sgdiff-weights';
export const FORMAT_VERSION = 1;

export type WeightDtype = 'float32' | 'int32';
const DTYPE_BYTES: Record<WeightDtype, number> = { float32: 4, int32: 4 };

/** How a float32 weight is stored when not as float32. */
export interface WeightQuantization {
  dtype: 'float16';
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  quantization?: WeightQuantization;
}

export interface ShardSpec {
  path: string;
  byteLength: number;
  sha256: string;
}

/** Free-form, JSON-serialisable metadata: the module config and anything the caller adds. */
export type CheckpointMeta = Record<string, unknown>;

export interface CheckpointMetadata {
  formatVersion: number;
  meta: CheckpointMeta;
  versions: Record<string, string>;
  shards: ShardSpec[];
}

export interface ModelJson {
  format: typeof FORMAT;
  generatedBy: string;
  convertedBy: null;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  userDefinedMetadata: CheckpointMetadata;
}

export function weightByteLength(w: {
  shape: number[];
  dtype: WeightDtype;
  quantization?: WeightQuantization;
}): number {
  return w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? 2 : DTYPE_BYTES[w.dtype]);
}

export function shardName(index: number, count: number): string {
  return `group1-shard${index + 1}of${count}.bin`;
}

/** A validated manifest: every weight placed at a byte offset in its group's shard sequence. */
export interface CheckedManifest {
  json: ModelJson;
  groups: Array<{
    shards: ShardSpec[];
    weights: Array<WeightSpec & { offset: number; byteLength: number }>;
  }>;
}

const SAFE_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function fail(message: string, details: { file?: string; weight?: string } = {}): never {
  throw new CheckpointError(message, details);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Checks a parsed model.json completely (names, shapes, dtypes, shard files, byte lengths,
 * checksum fields) before anything is read or allocated from it.
 */
export function checkManifest(raw: unknown, where: string): CheckedManifest {
  const file = `${where}/${MODEL_JSON}`;
  if (!isObject(raw)) fail(`${file}: not a JSON object`, { file });
  const meta = raw.userDefinedMetadata;
  if (!isObject(meta) || !Array.isArray(meta.shards)) {
    fail(`${file}: userDefinedMetadata.shards is missing (not an @sgdiff/nn checkpoint?)`, {
      file,
    });
  }
  if (meta.formatVersion !== FORMAT_VERSION) {
    fail(
      `${file}: formatVersion ${String(meta.formatVersion)} is not supported (expected ${FORMAT_VERSION})`,
      { file },
    );
  }
  const shardByPath = new Map<string, ShardSpec>();
  for (const s of meta.shards as unknown[]) {
    if (!isObject(s) || typeof s.path !== 'string' || !SAFE_FILE.test(s.path)) {
      fail(`${file}: a shard entry has a missing or unsafe path`, { file });
    }
    const path = s.path as string;
    if (!Number.isSafeInteger(s.byteLength) || (s.byteLength as number) < 0)
      fail(`${file}: shard ${path} has an invalid byteLength`, { file: path });
    if (typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256))
      fail(`${file}: shard ${path} has no valid sha256`, { file: path });
    if (shardByPath.has(path)) fail(`${file}: shard ${path} is listed twice`, { file: path });
    shardByPath.set(path, { path, byteLength: s.byteLength as number, sha256: s.sha256 as string });
  }
  if (!Array.isArray(raw.weightsManifest)) fail(`${file}: weightsManifest is missing`, { file });
  const names = new Set<string>();
  const usedShards = new Set<string>();
  const groups: CheckedManifest['groups'] = [];
  for (const g of raw.weightsManifest as unknown[]) {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights))
      fail(`${file}: a weightsManifest group lacks paths or weights`, { file });
    const shards = (g.paths as unknown[]).map((p) => {
      const spec = typeof p === 'string' ? shardByPath.get(p) : undefined;
      if (!spec)
        fail(
          `${file}: shard ${String(p)} has no entry (byteLength, sha256) in userDefinedMetadata.shards`,
          { file: String(p) },
        );
      if (usedShards.has(spec.path))
        fail(`${file}: shard ${spec.path} is used twice`, { file: spec.path });
      usedShards.add(spec.path);
      return spec;
    });
    let offset = 0;
    const weights: CheckedManifest['groups'][number]['weights'] = [];
    for (const w of g.weights as unknown[]) {
      if (!isObject(w) || typeof w.name !== 'string' || w.name.length === 0)
        fail(`${file}: a weight has no name`, { file });
      const name = w.name as string;
      if (names.has(name)) fail(`${file}: weight "${name}" appears twice`, { file, weight: name });
      names.add(name);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        fail(`${file}: weight "${name}" has unsupported dtype ${String(w.dtype)}`, {
          file,
          weight: name,
        });
      const q = w.quantization;
      if (q !== undefined && !(isObject(q) && q.dtype === 'float16' && w.dtype === 'float32'))
        fail(
          `${file}: weight "${name}" is quantized as ${JSON.stringify(q)}; only float32 stored as float16 is supported`,
          { file, weight: name },
        );
      if (
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
      ) {
        fail(`${file}: weight "${name}" has an invalid shape ${JSON.stringify(w.shape)}`, {
          file,
          weight: name,
        });
      }
      const spec: WeightSpec = {
        name,
        shape: w.shape as number[],
        dtype: w.dtype as WeightDtype,
        ...(q ? { quantization: { dtype: 'float16' as const } } : {}),
      };
      const byteLength = weightByteLength(spec);
      if (!Number.isSafeInteger(byteLength))
        fail(`${file}: weight "${name}" is too large`, { file, weight: name });
      weights.push({ ...spec, offset, byteLength });
      offset += byteLength;
    }
    const shardBytes = shards.reduce((a, s) => a + s.byteLength, 0);
    if (shardBytes !== offset) {
      fail(
        `${file}: the weights of group ${groups.length + 1} need ${offset} bytes but its shards declare ${shardBytes}`,
        { file },
      );
    }
    groups.push({ shards, weights });
  }
  for (const path of shardByPath.keys())
    if (!usedShards.has(path))
      fail(`${file}: shard ${path} is listed but belongs to no group`, { file: path });
  return { json: raw as unknown as ModelJson, groups };
}

/** What a loader may be told to expect: a module's parameters, or explicit specs. */
export type ExpectedWeights = ReadonlyMap<string, { shape: readonly number[]; dtype: string }>;

/** Compares a checked manifest with the weights a module needs; errors name the weight. */
export function checkAgainstExpected(
  manifest: CheckedManifest,
  expected: ExpectedWeights,
  where: string,
): void {
  const found = new Map(manifest.groups.flatMap((g) => g.weights.map((w) => [w.name, w] as const)));
  for (const [name, e] of expected) {
    const w = found.get(name);
    if (!w) fail(`${where}: weight "${name}" is missing from the checkpoint`, { weight: name });
    if (w.shape.length !== e.shape.length || w.shape.some((d, i) => d !== e.shape[i])) {
      fail(
        `${where}: weight "${name}" has shape [${w.shape}] in the checkpoint but the module expects [${e.shape}]`,
        { weight: name },
      );
    }
    if (w.dtype !== e.dtype)
      fail(
        `${where}: weight "${name}" has dtype ${w.dtype} in the checkpoint but the module expects ${e.dtype}`,
        { weight: name },
      );
  }
  for (const name of found.keys()) {
    if (!expected.has(name))
      fail(`${where}: the checkpoint has weight "${name}", which the module does not have`, {
        weight: name,
      });
  }
}
