import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cocoStuffVocabulary, type Box } from '@sgdiff/scene-graph';
import {
  boxMask,
  checkSegmentation,
  segmentationToMask,
  type CocoSegmentation,
} from '../../coco/segmentation.js';
import {
  COCO_RULES,
  cocoBox,
  cocoRelations,
  CocoSelection,
  type CocoRules,
  type CocoSelectedImage,
} from '../../coco/rules.js';
import { DatasetError } from '../../errors.js';
import type { ProgressCallback } from '../../progress.js';
import type { DatasetManifest } from '../../shards/manifest.js';
import { streamJsonObjectArrays } from '../json-stream.js';
import { writeImageShards, type PlannedImage } from '../image-shards.js';

export interface PrepareCocoOptions {
  /** Folder with `annotations/`, `train2017/`, `val2017/`. */
  input: string;
  out: string;
  size?: number;
  maskSize?: number;
  /** Seeds the relation pairing. */
  seed?: number;
  /** The first this-many filtered val2017 images are `val`, the rest `test` (sg2im: 1024). */
  valImages?: number;
  shardSize?: number;
  rules?: Partial<CocoRules>;
  concurrency?: number;
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
}

interface RawAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  iscrowd?: number;
  segmentation?: CocoSegmentation;
}

const annotationKey = (stuff: boolean, id: number) => `${stuff ? 's' : 'i'}${id}`;

async function mustExist(path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new DatasetError(
      `${path}: not found (expected COCO-Stuff 2017's layout, see the datasets README)`,
    );
  }
}

/** Both passes over one source split (train2017 or val2017). */
async function selectSplit(
  input: string,
  split: 'train' | 'val',
  rules: CocoRules,
  maskSize: number,
  onProgress?: ProgressCallback,
): Promise<{
  images: CocoSelectedImage[];
  masks: Map<string, Uint8Array>;
  skipped: Record<string, number>;
}> {
  // A file without these lists is the wrong file, not an empty split.
  const files = [
    {
      stuff: false,
      path: join(input, 'annotations', `instances_${split}2017.json`),
      required: ['images', 'annotations', 'categories'],
    },
    {
      stuff: true,
      path: join(input, 'annotations', `stuff_${split}2017.json`),
      required: ['annotations', 'categories'],
    },
  ];
  for (const f of files) await mustExist(f.path);
  const selection = new CocoSelection(rules);
  const keys = ['images', 'annotations', 'categories'];
  const progress = (name: string) => (done: number, total: number) =>
    onProgress?.({ phase: name, done, total, unit: 'bytes' });

  // Pass 1: image sizes, categories and boxes (segmentations are dropped straight away).
  for (const f of files) {
    const name = f.path.split(/[\\/]/).pop()!;
    await streamJsonObjectArrays(
      f.path,
      keys,
      (v) => {
        const item = v as Record<string, unknown>;
        if ('image_id' in item) {
          const a = item as unknown as RawAnnotation;
          selection.addAnnotation(a.image_id, {
            id: a.id,
            stuff: f.stuff,
            categoryId: a.category_id,
            bbox: a.bbox,
            iscrowd: a.iscrowd ?? 0,
            segmentation: checkSegmentation(a.segmentation),
          });
        } else if ('file_name' in item) {
          // Images come from the instances file; the stuff file lists the same ones.
          if (!f.stuff) selection.addImage(item as never);
        } else if ('name' in item && 'id' in item) {
          selection.addCategory(item.id as number, item.name as string);
        }
      },
      progress(`${name} (1/2)`),
      'scan',
      f.required,
    );
  }
  const { images, skipped } = selection.finish();

  // Pass 2: masks, only for the objects that survived.
  const wanted = new Map<string, { width: number; height: number }>();
  for (const im of images) {
    for (const o of im.objects) wanted.set(annotationKey(o.stuff, o.id), im.image);
  }
  const masks = new Map<string, Uint8Array>();
  for (const f of files) {
    const name = f.path.split(/[\\/]/).pop()!;
    await streamJsonObjectArrays(
      f.path,
      ['annotations'],
      (v) => {
        const a = v as RawAnnotation;
        const key = annotationKey(f.stuff, a.id);
        const im = wanted.get(key);
        if (!im) return;
        // Pass 1 checked this segmentation; a fault now means the file changed in between.
        if (checkSegmentation(a.segmentation).problem)
          throw new DatasetError(`${f.path}: annotation ${a.id} changed between the two passes`);
        const full = segmentationToMask(a.segmentation!, im.height, im.width);
        masks.set(key, boxMask(full, im.height, im.width, a.bbox, maskSize));
      },
      progress(`${name} (2/2)`),
    );
  }
  return { images, masks, skipped };
}

/**
 * Prepares COCO-Stuff 2017 with sg2im's rules (see `CocoSelection` for their order) into
 * shards: train from train2017; val = the first `valImages` filtered val2017 images, test =
 * the rest. Relations are drawn once here, seeded per image. A re-run finishes missing shards.
 */
export async function prepareCocoStuff(opts: PrepareCocoOptions): Promise<DatasetManifest> {
  const size = opts.size ?? 64;
  const maskSize = opts.maskSize ?? 16;
  const seed = opts.seed ?? 0;
  const valImages = opts.valImages ?? 1024;
  const rules: CocoRules = { ...COCO_RULES, ...opts.rules };
  const vocab = cocoStuffVocabulary({ includeOther: rules.includeOther });
  await mustExist(opts.input);

  const plans: Record<string, PlannedImage[]> = { train: [], val: [], test: [] };
  const skipped: Record<string, number> = {};
  for (const split of ['train', 'val'] as const) {
    const sel = await selectSplit(opts.input, split, rules, maskSize, opts.onProgress);
    for (const [k, v] of Object.entries(sel.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
    const planned = sel.images.map((im) =>
      planImage(im, split, sel.masks, vocab, seed, opts.input, maskSize),
    );
    if (split === 'train') plans.train = planned;
    else {
      plans.val = planned.slice(0, valImages);
      plans.test = planned.slice(valImages);
    }
  }

  return writeImageShards({
    out: opts.out,
    size,
    shardSize: opts.shardSize,
    concurrency: opts.concurrency,
    plans,
    skipped,
    head: {
      dataset: 'coco-stuff',
      version: '2017',
      image: { size, channels: 3, encoding: 'png' },
      masks: { size: maskSize },
      vocab: vocab.toJSON(),
      rules: {
        ...rules,
        crowd: 'kept like any annotation (sg2im ignores iscrowd); their RLE masks are decoded',
        noStuff: 'images without any stuff annotation are dropped (sg2im stuff_only)',
        relations:
          'each object paired with one random other object, coin-flip subject, relationFromBoxes on boxes; seeded per image',
        splits: `train = train2017; val = first ${valImages} filtered val2017 images; test = the rest`,
        masks: `box-relative ${maskSize}x${maskSize}, 0/255, crop to rounded box then area-resize, threshold 0.5`,
      },
      options: { size, maskSize, seed, valImages, shardSize: opts.shardSize ?? null, rules },
    },
    onProgress: opts.onProgress,
    onWarning: opts.onWarning,
  });
}

function planImage(
  im: CocoSelectedImage,
  split: 'train' | 'val',
  masks: Map<string, Uint8Array>,
  vocab: ReturnType<typeof cocoStuffVocabulary>,
  seed: number,
  input: string,
  M: number,
): PlannedImage {
  const { image } = im;
  const ids = im.objects.map((_, i) => `o${i}`);
  const boxes: Box[] = im.objects.map((o) => cocoBox(o.bbox, image.width, image.height));
  const objects = im.objects.map((o, i) => ({
    id: ids[i],
    label: vocab.objectName(o.categoryId),
    box: boxes[i],
  }));
  const planeMasks = new Uint8Array(im.objects.length * M * M);
  im.objects.forEach((o, i) => {
    const m = masks.get(annotationKey(o.stuff, o.id));
    if (m) planeMasks.set(m, i * M * M);
  });
  return {
    key: `coco/${image.id}`,
    path: join(input, `${split}2017`, image.file_name),
    graph: { objects, relations: cocoRelations(ids, boxes, seed, image.id) },
    masks: planeMasks,
    meta: {
      imageId: image.id,
      file: `${split}2017/${image.file_name}`,
      width: image.width,
      height: image.height,
      annotations: im.objects.map((o) => ({ id: o.id, stuff: o.stuff, iscrowd: o.iscrowd })),
    },
  };
}
