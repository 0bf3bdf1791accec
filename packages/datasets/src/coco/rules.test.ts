import { checkSegmentation } from './segmentation.js';
import {
  cocoBox,
  cocoBoxProblem,
  cocoRelations,
  CocoSelection,
  type CocoObjectRef,
} from './rules.js';

const ann = (
  id: number,
  stuff: boolean,
  categoryId: number,
  w: number,
  h: number,
): CocoObjectRef => ({
  id,
  stuff,
  categoryId,
  bbox: [0, 0, w, h],
  iscrowd: 0,
});

function select(imagesFirst: boolean) {
  const s = new CocoSelection();
  const addImages = () => s.addImage({ id: 1, file_name: '1.jpg', width: 100, height: 50 });
  if (imagesFirst) addImages();
  // 2% of 100×50 is 100 px²: 10×10 is dropped, 10×10.1 kept.
  s.addAnnotation(1, ann(1, false, 1, 10, 10));
  s.addAnnotation(1, ann(2, false, 1, 10, 10.1));
  s.addAnnotation(1, ann(3, false, 18, 50, 50));
  s.addAnnotation(1, ann(4, true, 124, 50, 50));
  s.addAnnotation(1, ann(5, true, 183, 50, 50));
  if (!imagesFirst) addImages();
  s.addCategory(1, 'person');
  s.addCategory(18, 'dog');
  s.addCategory(124, 'grass');
  s.addCategory(183, 'other');
  return s.finish();
}

describe('CocoSelection', () => {
  it('gives the same result whether images come before or after annotations', () => {
    const a = select(true);
    expect(a.images[0].objects.map((o) => o.id)).toEqual([2, 3, 4]);
    expect(a.skipped).toMatchObject({ object_too_small: 1, object_other: 1 });
    expect(select(false)).toEqual(a);
  });

  it('drops bad boxes and segmentations before any rule, counted by reason, in either order', () => {
    const run = (imagesFirst: boolean) => {
      const s = new CocoSelection();
      const addImage = () => s.addImage({ id: 1, file_name: '1.jpg', width: 100, height: 50 });
      if (imagesFirst) addImage();
      const add = (id: number, bbox: number[], segmentation?: unknown) =>
        s.addAnnotation(1, {
          ...ann(id, id > 20, id > 20 ? 124 : 1, 0, 0),
          bbox: bbox as CocoObjectRef['bbox'],
          segmentation: segmentation === undefined ? undefined : checkSegmentation(segmentation),
        });
      add(1, [10, 10, 30, 30]); // kept
      add(2, [10, 10, -30, -30]); // w·h = 900 would pass the area rule
      add(3, [-50, -50, 1e9, 1e9]); // covers the image many times over
      add(4, [60, 10, 40.5, 40.5]); // 0.5 px past the edge: within tolerance, kept
      add(5, [60, 10, 45, 30]); // 5 px past the right edge
      add(6, [10, 10, NaN, 30]);
      add(7, [0, 0, 50, 50], null);
      add(8, [0, 0, 50, 50], [[0, 0, 10, 0]]);
      add(9, [0, 0, 50, 50], { counts: 'not an rle!', size: [50, 100] });
      // A well-formed RLE of another image's size (checked once the image is known).
      add(10, [0, 0, 50, 50], { counts: [5000], size: [100, 50] });
      add(21, [0, 0, 100, 50], { counts: [5000], size: [50, 100] }); // kept (stuff)
      if (!imagesFirst) addImage();
      s.addCategory(1, 'person');
      s.addCategory(124, 'grass');
      return s.finish();
    };
    const a = run(true);
    expect(a.images[0].objects.map((o) => o.id)).toEqual([1, 4, 21]);
    expect(a.skipped).toMatchObject({
      box_invalid: 1,
      box_negative_size: 1,
      box_outside_image: 2,
      segmentation_missing: 1,
      segmentation_bad_polygon: 1,
      segmentation_bad_rle: 2,
      object_too_small: 0,
    });
    expect(run(false)).toEqual(a);
  });
});

describe('cocoBoxProblem', () => {
  const im = { width: 100, height: 50 };
  it('allows 1 px of overshoot and nothing past it', () => {
    expect(cocoBoxProblem([-1, -1, 101, 51], im)).toBeUndefined();
    expect(cocoBoxProblem([-1.01, 0, 10, 10], im)).toBe('box_outside_image');
    expect(cocoBoxProblem([0, 0, 10, 51.01], im)).toBe('box_outside_image');
    expect(cocoBoxProblem([0, 0, -0.1, 10], im)).toBe('box_negative_size');
    expect(cocoBoxProblem([0, 0, 10], im)).toBe('box_invalid');
    expect(cocoBoxProblem(null, im)).toBe('box_invalid');
    expect(cocoBoxProblem([0, 0, '10', 10], im)).toBe('box_invalid');
  });
});

describe('cocoRelations', () => {
  it('pairs each object with another, reproducibly by seed and image', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const boxes = ids.map((_, i) => cocoBox([i * 20, 0, 10, 10], 100, 100));
    const r = cocoRelations(ids, boxes, 3, 42);
    expect(r).toHaveLength(4);
    r.forEach((rel, i) => {
      expect(rel.subject).not.toBe(rel.object);
      expect([rel.subject, rel.object]).toContain(ids[i]);
      // Boxes are in a row left to right: subject index < object index means "left of".
      const [s, o] = [ids.indexOf(rel.subject), ids.indexOf(rel.object)];
      expect(rel.predicate).toBe(s < o ? 'left of' : 'right of');
    });
    expect(cocoRelations(ids, boxes, 3, 42)).toEqual(r);
    expect(cocoRelations(['a'], [boxes[0]], 3, 42)).toEqual([]);
  });

  it('converts COCO pixel boxes to normalised corners', () => {
    expect(cocoBox([10, 20, 30, 40], 100, 200)).toEqual([0.1, 0.1, 0.4, 0.3]);
    // Within the 1 px tolerance a box may overshoot; the stored box is clamped to the image.
    expect(cocoBox([-0.5, 0, 100.9, 200], 100, 200)).toEqual([0, 0, 1, 1]);
  });
});
