import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cocoStuffVocabulary } from '@sgdiff/scene-graph';
import { rectRle } from '../../testing/coco-rle.js';
import { writeGarbage, writeJpeg } from '../../testing/images.js';
import { createLoader } from '../loader.js';
import { prepareCocoStuff } from './prepare.js';

/** The relation table, independent of relationFromBoxes. */
function tableRule(s: number[], o: number[]): string {
  if (s[0] < o[0] && s[2] > o[2] && s[1] < o[1] && s[3] > o[3]) return 'surrounding';
  if (s[0] > o[0] && s[2] < o[2] && s[1] > o[1] && s[3] < o[3]) return 'inside';
  const t = Math.atan2((s[1] + s[3] - o[1] - o[3]) / 2, (s[0] + s[2] - o[0] - o[2]) / 2);
  if (Math.abs(t) >= (3 * Math.PI) / 4) return 'left of';
  if (t < -Math.PI / 4) return 'above';
  if (t < Math.PI / 4) return 'right of';
  return 'below';
}

// Every image is 100×100, so 2% of its area is 200 px².
const W = 100;
const H = 100;
type Obj = { cat: number; bbox: number[]; crowd?: boolean; poly?: number[][]; seg?: unknown };
type Img = { id: number; things: Obj[]; stuff: Obj[]; corrupt?: boolean };

const big = (cat: number, x = 10, y = 10): Obj => ({ cat, bbox: [x, y, 30, 30] });
const grass = (): Obj => ({ cat: 124, bbox: [0, 60, 100, 40] });

const TRAIN: Img[] = [
  // 3 objects: the lower bound, kept. The dog's polygon fills the left half of its box.
  {
    id: 1,
    things: [big(1), { cat: 18, bbox: [50, 10, 40, 40], poly: [[50, 10, 70, 10, 70, 50, 50, 50]] }],
    stuff: [grass()],
  },
  // An object of exactly 2% (20×10) is dropped, leaving 2: too few.
  { id: 2, things: [big(1), { cat: 18, bbox: [50, 10, 20, 10] }], stuff: [grass()] },
  // Just over 2% (20×10.05 = 201 px²) is kept: 3 objects.
  { id: 3, things: [big(1), { cat: 18, bbox: [50, 10, 20, 10.05] }], stuff: [grass()] },
  // 8 objects: the upper bound, kept.
  {
    id: 4,
    things: Array.from({ length: 7 }, (_, i) => big(i % 2 ? 1 : 18, 5 + i * 10, 5)),
    stuff: [grass()],
  },
  // 9 objects: too many.
  { id: 5, things: Array.from({ length: 8 }, (_, i) => big(1, 5 + i * 8, 5)), stuff: [grass()] },
  // No stuff annotation at all: dropped (sg2im's stuff_only).
  { id: 6, things: [big(1), big(18, 50), big(1, 10, 50)], stuff: [] },
  // "other" is excluded, but still marks the image as having stuff: 3 objects, kept.
  {
    id: 7,
    things: [big(1), big(18, 50), big(1, 10, 50)],
    stuff: [{ cat: 183, bbox: [0, 0, 100, 100] }],
  },
  // 2 things + other: "other" goes, leaving 2: too few.
  { id: 8, things: [big(1), big(18, 50)], stuff: [{ cat: 183, bbox: [0, 0, 100, 100] }] },
  // A crowd annotation (uncompressed RLE) is kept like any other.
  { id: 9, things: [big(1), { cat: 1, bbox: [50, 50, 40, 40], crowd: true }], stuff: [grass()] },
  // Passes the rules, but the file is not an image: skipped at the image phase.
  { id: 10, things: [big(1), big(18, 50)], stuff: [grass()], corrupt: true },
];
const VAL: Img[] = [11, 12, 13, 14].map((id) => ({
  id,
  things: [big(1), big(18, 50)],
  stuff: [grass()],
}));
VAL.push({ id: 15, things: [big(1)], stuff: [grass()] }); // too few

function segmentation(o: Obj): unknown {
  if ('seg' in o) return o.seg;
  if (o.crowd) {
    // Uncompressed RLE of the full box: column-major runs.
    const [x, y, w, h] = o.bbox;
    const counts: number[] = [x * H + y];
    for (let c = 0; c < w; c++) counts.push(h, c === w - 1 ? H - y - h + (W - x - w) * H : H - h);
    return { counts, size: [H, W] };
  }
  if (o.cat >= 92) return rectRle(H, W, o.bbox.map(Math.round));
  const [x, y, w, h] = o.bbox;
  return o.poly ?? [[x, y, x + w, y, x + w, y + h, x, y + h]];
}

async function writeSplit(root: string, split: string, imgs: Img[]): Promise<void> {
  let annId = split === 'train' ? 1000 : 5000;
  const images = imgs.map((im) => ({
    id: im.id,
    file_name: `${String(im.id).padStart(12, '0')}.jpg`,
    width: W,
    height: H,
  }));
  const ann = (im: Img, o: Obj) => ({
    id: annId++,
    image_id: im.id,
    category_id: o.cat,
    bbox: o.bbox,
    area: o.bbox[2] * o.bbox[3],
    iscrowd: o.crowd ? 1 : 0,
    segmentation: segmentation(o),
  });
  const dir = join(root, 'annotations');
  await mkdir(dir, { recursive: true });
  // Official key order: categories come after annotations.
  await writeFile(
    join(dir, `instances_${split}2017.json`),
    JSON.stringify({
      info: {},
      licenses: [],
      images,
      annotations: imgs.flatMap((im) => im.things.map((o) => ann(im, o))),
      categories: [
        { supercategory: 'person', id: 1, name: 'person' },
        { supercategory: 'animal', id: 18, name: 'dog' },
      ],
    }),
  );
  await writeFile(
    join(dir, `stuff_${split}2017.json`),
    JSON.stringify({
      info: {},
      licenses: [],
      images,
      annotations: imgs.flatMap((im) => im.stuff.map((o) => ann(im, o))),
      categories: [
        { supercategory: 'plant', id: 124, name: 'grass' },
        { supercategory: 'other', id: 183, name: 'other' },
      ],
    }),
  );
  for (const im of imgs) {
    const path = join(root, `${split}2017`, `${String(im.id).padStart(12, '0')}.jpg`);
    if (im.corrupt) await writeGarbage(path);
    else await writeJpeg(path, W, H);
  }
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sgdiff-coco-'));
  await writeSplit(join(root, 'in'), 'train', TRAIN);
  await writeSplit(join(root, 'in'), 'val', VAL);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('prepareCocoStuff', () => {
  it('applies sg2im rules on both sides of each threshold and counts what they removed', async () => {
    const warnings: string[] = [];
    const m = await prepareCocoStuff({
      input: join(root, 'in'),
      out: join(root, 'out'),
      size: 32,
      valImages: 3,
      seed: 1,
      onWarning: (w) => warnings.push(w),
    });
    expect(m.vocab).toEqual(cocoStuffVocabulary().toJSON());
    expect(m.vocab.pred_idx_to_name).toHaveLength(7);
    const train = m.splits.train;
    // Kept by the rules: 1, 3, 4, 7, 9, 10; image 10 is unreadable.
    expect(train.images).toBe(5);
    expect(train.objects).toBe(3 + 3 + 8 + 3 + 3);
    expect(train.relations).toBe(train.objects);
    expect(m.splits.val.images).toBe(3);
    expect(m.splits.test.images).toBe(1);
    expect(m.skipped).toEqual({
      box_invalid: 0,
      box_negative_size: 0,
      box_outside_image: 0,
      segmentation_missing: 0,
      segmentation_bad_polygon: 0,
      segmentation_bad_rle: 0,
      segmentation_unknown_format: 0,
      object_too_small: 1,
      object_other: 2,
      object_unknown_category: 0,
      image_no_stuff: 1,
      image_too_few_objects: 3,
      image_too_many_objects: 1,
      unreadable_image: 1,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/000000000010.jpg: cannot be read/);
  });

  it('stores graphs, masks and images that a loader reads back', async () => {
    const loader = await createLoader({
      dir: join(root, 'out'),
      split: 'train',
      batchSize: 5,
      epochs: 1,
    });
    const b = (await loader.next())!;
    expect(b.keys).toEqual(['coco/1', 'coco/3', 'coco/4', 'coco/7', 'coco/9']);
    expect(b.images.length).toBe(5 * 32 * 32 * 3);
    const g1 = b.graphs[0];
    expect(g1.objects.map((o) => o.label)).toEqual(['person', 'dog', 'grass']);
    expect(g1.objects[1].box).toEqual([0.5, 0.1, 0.9, 0.5]);
    expect(g1.relations).toHaveLength(3);
    for (const r of b.graphs.flatMap((g) => g.relations.map((rel) => ({ g, rel })))) {
      const box = (id: string) => r.g.objects.find((o) => o.id === id)!.box!;
      expect(r.rel.predicate).toBe(tableRule(box(r.rel.subject), box(r.rel.object)));
      expect(r.rel.subject).not.toBe(r.rel.object);
    }
    // Masks: person fills its box; the dog's polygon covers the left half; grass (RLE) fills.
    const M = 16;
    const plane = (k: number) => b.masks!.subarray(k * M * M, (k + 1) * M * M);
    expect(plane(0).every((v) => v === 255)).toBe(true);
    const dog = plane(1);
    expect([dog[0], dog[7], dog[8], dog[15], dog[15 * 16 + 7], dog[15 * 16 + 8]]).toEqual([
      255, 255, 0, 0, 255, 0,
    ]);
    expect(plane(2).every((v) => v === 255)).toBe(true);
    // The crowd box of image 9 decodes from uncompressed RLE as a full box.
    const o9 = b.graphs.slice(0, 4).reduce((n, g) => n + g.objects.length + 1, 0);
    expect(plane(o9 + 1).every((v) => v === 255)).toBe(true);
    // The image gradient survives resizing: left darker than right in the red channel.
    expect(b.images[0]).toBeLessThan(b.images[31 * 3]);
  });

  it('is deterministic and resumable', async () => {
    const again = await prepareCocoStuff({
      input: join(root, 'in'),
      out: join(root, 'out2'),
      size: 32,
      valImages: 3,
      seed: 1,
      onWarning: () => undefined,
    });
    const first = await prepareCocoStuff({
      input: join(root, 'in'),
      out: join(root, 'out'),
      size: 32,
      valImages: 3,
      seed: 1,
    });
    expect(again.splits.train.shards.map((s) => s.sha256)).toEqual(
      first.splits.train.shards.map((s) => s.sha256),
    );
    await expect(
      prepareCocoStuff({ input: join(root, 'nowhere'), out: join(root, 'o3') }),
    ).rejects.toThrow(/not found/);
  });

  it('drops bad boxes and segmentations, counted by reason, and keeps clean objects', async () => {
    const input = join(root, 'garbage');
    await writeSplit(input, 'train', [
      // Two bad boxes beside three good objects: the image survives with the good ones.
      {
        id: 21,
        things: [
          big(1),
          { cat: 18, bbox: [10, 10, -30, -30] }, // w·h = 900 would pass the 2% rule
          { cat: 1, bbox: [-50, -50, 1e9, 1e9] },
          big(18, 50),
        ],
        stuff: [grass()],
      },
      // Three bad segmentations beside three good objects.
      {
        id: 22,
        things: [
          big(1),
          big(18, 50),
          { cat: 1, bbox: [10, 50, 30, 30], seg: null },
          { cat: 1, bbox: [50, 50, 30, 30], seg: [[50, 50, 80, 50]] },
        ],
        stuff: [
          grass(),
          { cat: 124, bbox: [0, 0, 100, 40], seg: { counts: '!!garbage', size: [H, W] } },
        ],
      },
    ]);
    await writeSplit(input, 'val', [{ id: 23, things: [big(1), big(18, 50)], stuff: [grass()] }]);
    const m = await prepareCocoStuff({
      input,
      out: join(root, 'garbage-out'),
      size: 32,
      valImages: 1,
    });
    expect(m.skipped).toMatchObject({
      box_invalid: 0,
      box_negative_size: 1,
      box_outside_image: 1,
      segmentation_missing: 1,
      segmentation_bad_polygon: 1,
      segmentation_bad_rle: 1,
      object_too_small: 0,
      image_too_few_objects: 0,
    });
    // The counts are in manifest.json as written.
    const onDisk = JSON.parse(await readFile(join(root, 'garbage-out', 'manifest.json'), 'utf8'));
    expect(onDisk.skipped).toEqual(m.skipped);
    const b = (await (
      await createLoader({
        dir: join(root, 'garbage-out'),
        split: 'train',
        batchSize: 2,
        epochs: 1,
      })
    ).next())!;
    expect(b.graphs.map((g) => g.objects.map((o) => o.label))).toEqual([
      ['person', 'dog', 'grass'],
      ['person', 'dog', 'grass'],
    ]);
    for (const o of b.graphs.flatMap((g) => g.objects))
      for (const v of o.box!) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('stops with one line naming the file when a file misses a list or holds the wrong type', async () => {
    const input = join(root, 'broken');
    await writeSplit(input, 'train', [TRAIN[0]]);
    await writeSplit(input, 'val', VAL.slice(0, 1));
    const instances = join(input, 'annotations', 'instances_train2017.json');
    const full = JSON.parse(await readFile(instances, 'utf8'));
    const attempt = async (body: unknown) => {
      await writeFile(instances, JSON.stringify(body));
      return prepareCocoStuff({ input, out: join(root, 'broken-out'), size: 32 });
    };
    await expect(attempt({ ...full, annotations: undefined })).rejects.toThrow(
      `${instances}: no "annotations" list (expected "images", "annotations", "categories")`,
    );
    await expect(attempt({ ...full, images: undefined, annotations: undefined })).rejects.toThrow(
      `${instances}: no "images", "annotations" list`,
    );
    await expect(attempt({ ...full, images: {} })).rejects.toThrow(
      `${instances}: "images" must be a list, found an object`,
    );
    await expect(attempt({ ...full, annotations: 'none' })).rejects.toThrow(
      `${instances}: "annotations" must be a list, found a string`,
    );
    await expect(attempt({ ...full, annotations: null })).rejects.toThrow(/found null/);
    await expect(attempt([full])).rejects.toThrow(
      `${instances}: expected a JSON object with "images", "annotations", "categories", found a list`,
    );
    // Every one of these is a DatasetError, which the CLI prints as one line.
    await expect(attempt({})).rejects.toMatchObject({ name: 'DatasetError' });
  });
});
