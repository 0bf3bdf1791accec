import { existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatasetError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { DatasetManifest } from '../../shards/manifest.js';
import {
  parseAliases,
  VG_RULES,
  VgPreprocessor,
  type VgAttributesEntry,
  type VgImageData,
  type VgObjectsEntry,
  type VgRelationshipsEntry,
  type VgRules,
  type VgSplits,
} from '../../vg/rules.js';
import { writeImageShards, type PlannedImage } from '../image-shards.js';
import { streamJsonArray, type JsonEngine } from '../json-stream.js';

export interface PrepareVgOptions {
  /** Folder with objects.json, relationships.json, attributes.json, image_data.json and images. */
  input: string;
  out: string;
  size?: number;
  /** Seeds the fallback 80/10/10 split when vg_splits.json is absent. */
  seed?: number;
  shardSize?: number;
  rules?: Partial<VgRules>;
  concurrency?: number;
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
}

const REQUIRED = ['image_data.json', 'objects.json', 'attributes.json', 'relationships.json'];

/** Optional sg2im side files, looked up in the input folder. */
const SPLITS_FILE = 'vg_splits.json';
const OBJECT_ALIASES = 'object_alias.txt';
const PREDICATE_ALIASES = 'relationship_alias.txt';

export interface VgResolved {
  pre: VgPreprocessor;
  /** Whether sg2im's splits and alias files were found. */
  found: { splits: boolean; objectAliases: boolean; predicateAliases: boolean };
}

/**
 * The JSON phase: streams each file through `VgPreprocessor` in sg2im's order. Memory holds
 * the surviving objects and relationships, never a whole file.
 */
export async function resolveVisualGenome(
  input: string,
  rules: Partial<VgRules> = {},
  seed = 0,
  onProgress?: ProgressCallback,
  engine: JsonEngine = 'scan',
): Promise<VgResolved> {
  for (const f of REQUIRED) {
    try {
      await access(join(input, f));
    } catch {
      throw new DatasetError(
        `${join(input, f)}: not found (expected Visual Genome 1.4's JSON files, see the datasets README)`,
      );
    }
  }
  const pre = new VgPreprocessor({ ...VG_RULES, ...rules });
  const readOptional = (f: string) => readFile(join(input, f), 'utf8').catch(() => undefined);
  const pass = (file: string, step: string, fn: (v: unknown) => void) =>
    streamJsonArray(
      join(input, file),
      fn,
      (done, total) => onProgress?.({ phase: `${file} (${step})`, done, total, unit: 'bytes' }),
      engine,
    );

  await pass('image_data.json', 'sizes', (v) => pre.addImage(v as VgImageData));
  const splitsText = await readOptional(SPLITS_FILE);
  let splits: VgSplits | undefined;
  if (splitsText !== undefined) {
    try {
      splits = JSON.parse(splitsText) as VgSplits; // small: three lists of ids
    } catch (e) {
      throw new DatasetError(
        `${join(input, SPLITS_FILE)}: not valid JSON (${(e as Error).message})`,
      );
    }
  }
  pre.setSplits(splits, seed);
  const objectAliases = await readOptional(OBJECT_ALIASES);
  const predicateAliases = await readOptional(PREDICATE_ALIASES);
  pre.setAliases(parseAliases(objectAliases ?? ''), parseAliases(predicateAliases ?? ''));
  pre.removeSmallImages();

  await pass('objects.json', 'vocabulary', (v) => pre.countObjectNames(v as VgObjectsEntry));
  pre.buildObjectVocab();
  await pass('attributes.json', 'vocabulary', (v) => pre.countAttributes(v as VgAttributesEntry));
  pre.buildAttributeVocab();
  await pass('objects.json', 'filter', (v) => pre.filterObjects(v as VgObjectsEntry));
  await pass('relationships.json', 'vocabulary', (v) =>
    pre.addRelationships(v as VgRelationshipsEntry),
  );
  pre.buildPredicateVocab();
  await pass('attributes.json', 'objects', (v) => pre.addAttributes(v as VgAttributesEntry));
  return {
    pre,
    found: {
      splits: splits !== undefined,
      objectAliases: objectAliases !== undefined,
      predicateAliases: predicateAliases !== undefined,
    },
  };
}

/** Where an image lives: `<dir of its url>/<file>` (VG_100K, VG_100K_2), or under `images/`. */
export function vgImagePath(input: string, imageId: number, url: string | undefined): string {
  const file = url ? basename(url) : `${imageId}.jpg`;
  const dir = url ? basename(dirname(url)) : 'VG_100K';
  const candidates = [
    join(input, dir, file),
    join(input, 'images', file),
    join(input, 'images', dir, file),
    join(input, 'VG_100K', file),
    join(input, 'VG_100K_2', file),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/**
 * Prepares Visual Genome with sg2im's preprocessing (see `VgPreprocessor` for the order of
 * its rules), then resizes the surviving images into shards. A re-run finishes missing shards.
 */
export async function prepareVisualGenome(opts: PrepareVgOptions): Promise<DatasetManifest> {
  const size = opts.size ?? 64;
  const seed = opts.seed ?? 0;
  const { pre, found } = await resolveVisualGenome(opts.input, opts.rules, seed, opts.onProgress);
  const plans: Record<string, PlannedImage[]> = {};
  for (const split of Object.keys(pre.splits)) {
    plans[split] = [...pre.encode(split)].map((e) => ({
      key: `vg/${e.imageId}`,
      path: vgImagePath(opts.input, e.imageId, e.url),
      graph: e.graph,
      meta: {
        imageId: e.imageId,
        width: e.width,
        height: e.height,
        objectIds: e.objectIds,
        relationshipIds: e.relationshipIds,
      },
    }));
  }
  const vocab = pre.vocabulary();
  return writeImageShards({
    out: opts.out,
    size,
    shardSize: opts.shardSize,
    concurrency: opts.concurrency,
    plans,
    skipped: { ...pre.skipped },
    head: {
      dataset: 'visual-genome',
      version: '1.4',
      image: { size, channels: 3, encoding: 'png' },
      masks: null,
      vocab: vocab.toJSON(),
      rules: {
        ...pre.rules,
        splits: found.splits ? SPLITS_FILE : `seeded 80/10/10 over image ids (no ${SPLITS_FILE})`,
        objectAliases: found.objectAliases ? OBJECT_ALIASES : 'none',
        predicateAliases: found.predicateAliases ? PREDICATE_ALIASES : 'none',
        boxes: 'pixel boxes divided by image_data width/height, clamped to [0, 1]',
      },
      options: { size, seed, shardSize: opts.shardSize ?? null, rules: pre.rules },
    },
    onProgress: opts.onProgress,
    onWarning: opts.onWarning,
  });
}
