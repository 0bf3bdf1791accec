import type { VocabularyJson } from '@sgdiff/scene-graph';
import { DatasetError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'sgdiff-dataset';
export const MANIFEST_FORMAT_VERSION = 1;

export type ImageEncoding = 'rgb' | 'png';

export interface ShardEntry {
  /** File name, relative to the dataset folder. */
  file: string;
  records: number;
  bytes: number;
  /** Hex sha256 of the whole shard file. */
  sha256: string;
  objects: number;
  relations: number;
}

export interface SplitInfo {
  images: number;
  objects: number;
  relations: number;
  shards: ShardEntry[];
}

/** `manifest.json` of a dataset folder (see the package README). */
export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  dataset: string;
  version: string;
  image: { size: number; channels: 3; encoding: ImageEncoding };
  /** Box-relative masks of side `size`, one per graph object; null when the dataset has none. */
  masks: { size: number } | null;
  splits: Record<string, SplitInfo>;
  vocab: VocabularyJson;
  rules: Record<string, unknown>;
  skipped: Record<string, number>;
  /** The preparation options; a re-run with other options refuses to mix them. */
  options: Record<string, unknown>;
}

/** Checks the parts a reader relies on; throws DatasetError naming what is wrong. */
export function parseManifest(json: unknown, where = MANIFEST_FILE): DatasetManifest {
  const m = json as Partial<DatasetManifest> | null;
  const fail = (what: string) => {
    throw new DatasetError(`${where}: ${what}`);
  };
  if (!m || typeof m !== 'object') fail('not a JSON object');
  if (m!.format !== MANIFEST_FORMAT)
    fail(`not an sgdiff dataset manifest (format ${JSON.stringify(m!.format)})`);
  if (m!.formatVersion !== MANIFEST_FORMAT_VERSION)
    fail(`format version ${m!.formatVersion}; this reader knows ${MANIFEST_FORMAT_VERSION}`);
  const img = m!.image;
  if (
    !img ||
    !Number.isInteger(img.size) ||
    img.size <= 0 ||
    !['rgb', 'png'].includes(img.encoding)
  )
    fail('image must be {size, channels: 3, encoding: "rgb"|"png"}');
  if (!m!.splits || typeof m!.splits !== 'object') fail('missing splits');
  for (const [name, s] of Object.entries(m!.splits!)) {
    if (!Array.isArray(s.shards)) fail(`splits.${name}.shards must be a list`);
    for (const entry of s.shards) {
      const problem = shardPathProblem(entry?.file, name);
      if (problem) fail(`splits.${name}: shard ${JSON.stringify(entry?.file)} refused: ${problem}`);
    }
  }
  if (!m!.vocab) fail('missing vocab');
  return m as DatasetManifest;
}

/**
 * Why a manifest's shard path is refused, or undefined when it is fine. A shard must stay
 * inside the dataset folder (relative, no `..`, no drive or backslash) and be named for its
 * split (`train-00000.sgds` under `train`), so a manifest cannot point a split at another
 * split's shard or at a file elsewhere on disk.
 */
export function shardPathProblem(file: unknown, split: string): string | undefined {
  if (typeof file !== 'string' || file === '') return 'not a file name';
  if (file.includes('\\') || file.includes('\0')) return 'backslashes and NUL are not allowed';
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file)) return 'absolute paths are not allowed';
  const parts = file.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === ''))
    return 'it leaves the dataset folder (only plain relative paths are allowed)';
  const base = parts[parts.length - 1];
  if (!base.startsWith(`${split}-`)) return `its name is not for split "${split}"`;
  return undefined;
}

/** Records per shard that keep a shard near 32 MiB of raw RGB. */
export function defaultShardSize(imageSize: number): number {
  return Math.min(2048, Math.max(64, Math.round((32 * 1024 * 1024) / (imageSize * imageSize * 3))));
}

export function shardFileName(split: string, index: number): string {
  return `${split}-${String(index).padStart(5, '0')}.sgds`;
}
