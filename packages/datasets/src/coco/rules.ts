import { relationFromBoxes, type Box, type Relation } from '@sgdiff/scene-graph';
import { deriveSeed, Rng } from '../random.js';
import type { SegmentationCheck, SegmentationProblem } from './segmentation.js';

/** sg2im's CocoSceneGraphDataset defaults. */
export interface CocoRules {
  /** Keep objects whose box covers more than this share of the image (strictly). */
  minObjectArea: number;
  minObjectsPerImage: number;
  maxObjectsPerImage: number;
  /** Keep the stuff class "other" (id 183). sg2im excludes it. */
  includeOther: boolean;
  /** Drop images that have no stuff annotation at all (sg2im's stuff_only=True). */
  stuffOnly: boolean;
}

export const COCO_RULES: CocoRules = {
  minObjectArea: 0.02,
  minObjectsPerImage: 3,
  maxObjectsPerImage: 8,
  includeOther: false,
  stuffOnly: true,
};

export interface CocoImageInfo {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

/** What the selection keeps of an annotation: enough to filter and to find it again. */
export interface CocoObjectRef {
  /** Annotation id; with `stuff`, unique across the two files. */
  id: number;
  stuff: boolean;
  categoryId: number;
  /** COCO's [x, y, w, h] in pixels. */
  bbox: [number, number, number, number];
  iscrowd: number;
  /** From `checkSegmentation`, when the caller checked the segmentation (prepare does). */
  segmentation?: SegmentationCheck;
}

/** Why a box is dropped before any rule; the names are skip counts. */
export type CocoBoxProblem = 'box_invalid' | 'box_negative_size' | 'box_outside_image';

/** How far (in pixels) a box may stick out of its image: COCO's float boxes overshoot a little. */
export const BOX_TOLERANCE_PX = 1;

/**
 * A COCO [x, y, w, h] that no rule should see: not four finite numbers, a negative width or
 * height, or more than `BOX_TOLERANCE_PX` outside the image.
 */
export function cocoBoxProblem(
  bbox: unknown,
  image: { width: number; height: number },
): CocoBoxProblem | undefined {
  if (
    !Array.isArray(bbox) ||
    bbox.length !== 4 ||
    !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
    return 'box_invalid';
  const [x, y, w, h] = bbox as number[];
  if (w < 0 || h < 0) return 'box_negative_size';
  const t = BOX_TOLERANCE_PX;
  if (x < -t || y < -t || x + w > image.width + t || y + h > image.height + t)
    return 'box_outside_image';
  return undefined;
}

/** A box or segmentation fault of an annotation, given its image. */
export function cocoObjectProblem(
  a: CocoObjectRef,
  image: { width: number; height: number },
): CocoBoxProblem | SegmentationProblem | undefined {
  const box = cocoBoxProblem(a.bbox, image);
  if (box) return box;
  const seg = a.segmentation;
  if (seg?.problem) return seg.problem;
  if (seg?.rleSize && (seg.rleSize[0] !== image.height || seg.rleSize[1] !== image.width))
    return 'segmentation_bad_rle';
  return undefined;
}

/** Every skip count a selection reports, in order; each is present, 0 or not. */
export const COCO_SKIP_REASONS = [
  'box_invalid',
  'box_negative_size',
  'box_outside_image',
  'segmentation_missing',
  'segmentation_bad_polygon',
  'segmentation_bad_rle',
  'segmentation_unknown_format',
  'object_too_small',
  'object_other',
  'object_unknown_category',
  'image_no_stuff',
  'image_too_few_objects',
  'image_too_many_objects',
] as const;

export interface CocoSelectedImage {
  image: CocoImageInfo;
  objects: CocoObjectRef[];
}

/**
 * sg2im's COCO-Stuff selection, in its order:
 * 0. (not sg2im) an annotation with a bad box or segmentation (`cocoObjectProblem`) is
 *    dropped first and counted by its reason, so no rule sees garbage;
 * 1. every image of the instances file is a candidate;
 * 2. each instance annotation, then each stuff annotation, is kept when its box area is
 *    > `minObjectArea` of the image, its category is known, and it is not "other";
 *    crowd annotations are treated like any other (sg2im does not look at `iscrowd`);
 * 3. with `stuffOnly`, images that have no stuff annotation (before filtering) are dropped;
 * 4. images keep if they have `minObjectsPerImage`–`maxObjectsPerImage` objects, counting
 *    things and stuff, after step 2.
 * Objects keep file order, instances before stuff.
 */
export class CocoSelection {
  private readonly images: CocoImageInfo[] = [];
  private readonly imageById = new Map<number, CocoImageInfo>();
  private tooSmall = 0;
  private readonly faults: Record<string, number> = {};
  private readonly annotations: { imageId: number; ref: CocoObjectRef }[] = [];
  private readonly categories = new Map<number, string>();
  private readonly withStuff = new Set<number>();

  constructor(private readonly rules: CocoRules = COCO_RULES) {}

  addImage(image: CocoImageInfo): void {
    this.images.push(image);
    this.imageById.set(image.id, image);
  }
  addCategory(id: number, name: string): void {
    this.categories.set(id, name);
  }
  addAnnotation(imageId: number, ref: CocoObjectRef): void {
    // Any stuff annotation counts, even one the rules drop later (as in sg2im).
    if (ref.stuff) this.withStuff.add(imageId);
    // COCO files list images before annotations, so most small boxes go now, not into memory.
    const im = this.imageById.get(imageId);
    const problem = im && cocoObjectProblem(ref, im);
    if (problem) this.faults[problem] = (this.faults[problem] ?? 0) + 1;
    else if (im && !this.largeEnough(ref, im)) this.tooSmall++;
    // Checked against a known image, the segmentation check has nothing left to say; an
    // annotation ahead of its image keeps it until `finish` (COCO has over a million).
    else this.annotations.push({ imageId, ref: im ? withoutCheck(ref) : ref });
  }

  private largeEnough(a: CocoObjectRef, im: CocoImageInfo): boolean {
    return (a.bbox[2] * a.bbox[3]) / (im.width * im.height) > this.rules.minObjectArea;
  }

  /** Applies the rules; the counts name each rule that removed something. */
  finish(): { images: CocoSelectedImage[]; skipped: Record<string, number> } {
    const r = this.rules;
    const skipped: Record<string, number> = Object.fromEntries(
      COCO_SKIP_REASONS.map((k) => [k, this.faults[k] ?? 0]),
    );
    skipped.object_too_small = this.tooSmall;
    const objects = new Map<number, CocoObjectRef[]>();
    for (const { imageId, ref: a } of this.annotations) {
      const im = this.imageById.get(imageId);
      if (!im) continue;
      const name = this.categories.get(a.categoryId);
      const problem = cocoObjectProblem(a, im);
      if (problem) skipped[problem]++;
      else if (!this.largeEnough(a, im)) skipped.object_too_small++;
      else if (name === undefined) skipped.object_unknown_category++;
      else if (name === 'other' && !r.includeOther) skipped.object_other++;
      else {
        let list = objects.get(im.id);
        if (!list) objects.set(im.id, (list = []));
        list.push(withoutCheck(a));
      }
    }
    const out: CocoSelectedImage[] = [];
    for (const image of this.images) {
      if (r.stuffOnly && !this.withStuff.has(image.id)) {
        skipped.image_no_stuff++;
        continue;
      }
      // Instances first, then stuff, each in file order (a stable sort keeps file order).
      const list = (objects.get(image.id) ?? []).sort((a, b) => Number(a.stuff) - Number(b.stuff));
      if (list.length < r.minObjectsPerImage) skipped.image_too_few_objects++;
      else if (list.length > r.maxObjectsPerImage) skipped.image_too_many_objects++;
      else out.push({ image, objects: list });
    }
    return { images: out, skipped };
  }
}

/** The ref without its segmentation check: selected objects carry only what they are. */
function withoutCheck(ref: CocoObjectRef): CocoObjectRef {
  if (!('segmentation' in ref)) return ref;
  const { segmentation: _checked, ...rest } = ref;
  return rest;
}

/**
 * Normalised [x0, y0, x1, y1] from COCO's pixel [x, y, w, h], clamped to the image (a box
 * within `BOX_TOLERANCE_PX` of the edge may stick out by that much).
 */
export function cocoBox(bbox: readonly number[], width: number, height: number): Box {
  const [x, y, w, h] = bbox;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [clamp(x / width), clamp(y / height), clamp((x + w) / width), clamp((y + h) / height)];
}

/**
 * sg2im's COCO relations, made once at preparation with a seed per image: each object is
 * paired with one random other object, a coin flip picks which is the subject, and
 * `relationFromBoxes` labels the pair. Pairs may repeat, as in sg2im.
 */
export function cocoRelations(
  ids: readonly string[],
  boxes: readonly Box[],
  seed: number,
  imageId: number,
): Relation[] {
  const rng = new Rng(deriveSeed(seed, imageId));
  const out: Relation[] = [];
  for (let cur = 0; cur < ids.length; cur++) {
    if (ids.length < 2) break;
    let other = rng.int(0, ids.length - 2);
    if (other >= cur) other++;
    const [s, o] = rng.next() > 0.5 ? [cur, other] : [other, cur];
    out.push({ subject: ids[s], predicate: relationFromBoxes(boxes[s], boxes[o]), object: ids[o] });
  }
  return out;
}
