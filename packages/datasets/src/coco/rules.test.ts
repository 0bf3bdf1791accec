import { cocoBox, cocoRelations, CocoSelection, type CocoObjectRef } from './rules.js';

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
  });
});
