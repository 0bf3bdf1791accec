import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeVgFixture, type FixtureImage, type FixtureObject } from '../../testing/vg-fixture.js';
import { createLoader } from '../loader.js';
import { prepareVisualGenome } from './prepare.js';

const o = (name: string, extra: Partial<FixtureObject> = {}): FixtureObject => ({
  names: [name],
  ...extra,
});
const many = (n: number, name = 'man') => Array.from({ length: n }, () => o(name));
const ATTRS = Array.from({ length: 31 }, (_, i) => `a${i}`);

// Thresholds scaled down so that each has a case on both sides: object names need 3 train
// instances, attributes 2, predicates 3. Size rules keep sg2im's values.
const RULES = { minObjectInstances: 3, minAttributeInstances: 2, minRelationshipInstances: 3 };

const TRAIN: FixtureImage[] = [
  // 3 objects (lower bound): kept. "men" is an alias of "man". behind #1.
  {
    id: 1,
    objects: [o('man', { attributes: ['red', 'blue'] }), o('men'), o('tree')],
    relations: [[0, 'behind', 2]],
  },
  // zebra is rare (2 train instances): dropped, leaving 2 objects. Its relations still count
  // the man–tree one: behind #2, written "Behind " (case and spaces are normalised).
  {
    id: 2,
    objects: [o('man'), o('tree'), o('zebra')],
    relations: [
      [0, 'Behind ', 1],
      [0, 'under', 2],
    ],
  },
  // w = 31 and h = 31 are too small; 2 objects left.
  {
    id: 3,
    objects: [o('man'), o('tree'), o('man', { w: 31 }), o('man', { h: 31 })],
    relations: [[0, 'near', 1]],
  },
  // w = h = 32 is kept. "in back of" is an alias of behind: #3, so behind reaches the threshold.
  {
    id: 4,
    objects: [o('man'), o('tree'), o('man', { w: 32, h: 32 })],
    relations: [[0, 'in back of', 1]],
  },
  // lamp: exactly 3 train instances, kept.
  { id: 5, objects: [o('man'), o('lamp'), o('lamp'), o('lamp')], relations: [[1, 'near', 0]] },
  // zebra #2, dropped again: too few objects.
  { id: 6, objects: [o('man'), o('zebra'), o('tree')], relations: [[0, 'near', 2]] },
  // Shorter side 199 < 200: removed before any counting, so its 5 zebras never count.
  {
    id: 7,
    width: 400,
    height: 199,
    objects: [o('man'), ...many(5, 'zebra')],
    relations: [[0, 'near', 1]],
    noFile: true,
  },
  // Shorter side exactly 200: kept.
  {
    id: 8,
    width: 200,
    height: 300,
    objects: [o('man'), o('tree'), o('man')],
    relations: [[0, 'near', 1]],
  },
  // Its only relationship uses "under" (1 instance, not in the vocabulary): too few relationships.
  { id: 9, objects: [o('man'), o('tree'), o('man')], relations: [[0, 'under', 1]] },
  // 30 objects and 30 relationships: the upper bounds, kept.
  {
    id: 10,
    objects: many(30),
    relations: Array.from(
      { length: 30 },
      (_, i) => [i, 'near', (i + 1) % 30] as [number, string, number],
    ),
  },
  // 31 objects: too many.
  { id: 11, objects: many(31), relations: [[0, 'near', 1]] },
  // 31 relationships: too many.
  {
    id: 12,
    objects: many(3),
    relations: Array.from(
      { length: 31 },
      (_, i) => [i % 3, 'near', (i + 1) % 3] as [number, string, number],
    ),
  },
  // 31 attributes in the vocabulary on one object: 30 are kept. "red" reaches 2 here; "blue" stays at 1.
  {
    id: 13,
    objects: [
      o('man', { attributes: ['red', ...ATTRS] }),
      o('tree', { attributes: ATTRS }),
      o('man'),
    ],
    relations: [[0, 'near', 1]],
  },
];
const VAL: FixtureImage[] = [
  { id: 21, objects: [o('man'), o('tree'), o('zebra'), o('lamp')], relations: [[0, 'behind', 1]] },
  // sg2im normalises only train predicates: "BEHIND" stays raw here and matches nothing.
  { id: 22, objects: [o('man'), o('tree'), o('lamp')], relations: [[0, 'BEHIND', 1]] },
];
const TEST: FixtureImage[] = [
  { id: 31, objects: [o('man'), o('tree'), o('lamp')], relations: [[2, 'near', 0]] },
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sgdiff-vg-'));
  await writeVgFixture(join(root, 'in'), [...TRAIN, ...VAL, ...TEST], {
    splits: {
      train: TRAIN.map((i) => i.id),
      val: VAL.map((i) => i.id),
      test: TEST.map((i) => i.id),
    },
    objectAliases: 'man,men,guy\n',
    predicateAliases: 'behind,in back of\n',
  });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('prepareVisualGenome', () => {
  it('builds the vocabularies with sg2im thresholds, aliases and order', async () => {
    const m = await prepareVisualGenome({
      input: join(root, 'in'),
      out: join(root, 'out'),
      size: 32,
      rules: RULES,
    });
    expect(m.vocab.object_idx_to_name[0]).toBe('__image__');
    expect([...m.vocab.object_idx_to_name].slice(1).sort()).toEqual(['lamp', 'man', 'tree']);
    expect(m.vocab.object_idx_to_name[1]).toBe('man');
    expect(m.vocab.pred_idx_to_name).toEqual(['__in_image__', 'behind', 'near']);
    expect(m.vocab.attribute_idx_to_name).toEqual(['red', ...ATTRS]);
  });

  it('keeps and skips images by each rule, with counts', async () => {
    const m = await prepareVisualGenome({
      input: join(root, 'in'),
      out: join(root, 'out'),
      size: 32,
      rules: RULES,
    });
    expect(m.splits.train.images).toBe(6); // 1, 4, 5, 8, 10, 13
    expect(m.splits.val.images).toBe(1);
    expect(m.splits.test.images).toBe(1);
    expect(m.skipped).toEqual({
      image_too_small: 1,
      object_too_small: 2,
      object_not_in_vocab: 3, // zebras of images 2, 6 and 21
      image_too_few_objects: 3, // 2, 3, 6
      image_too_many_objects: 1, // 11
      image_too_few_relationships: 2, // 9, 22
      image_too_many_relationships: 1, // 12
    });
  });

  it('stores graphs with normalised boxes, attributes and aliased predicates', async () => {
    const loader = await createLoader({
      dir: join(root, 'out'),
      split: 'train',
      batchSize: 6,
      epochs: 1,
    });
    const b = (await loader.next())!;
    expect(b.keys).toEqual(['vg/1', 'vg/4', 'vg/5', 'vg/8', 'vg/10', 'vg/13']);
    const [g1, g4, , g8, g10, g13] = b.graphs;
    expect(g1.objects).toEqual([
      { id: 'o0', label: 'man', box: [0, 0, 50 / 400, 50 / 300], attributes: ['red'] },
      { id: 'o1', label: 'man', box: [10 / 400, 0, 60 / 400, 50 / 300] },
      { id: 'o2', label: 'tree', box: [20 / 400, 0, 70 / 400, 50 / 300] },
    ]);
    expect(g1.relations).toEqual([{ subject: 'o0', predicate: 'behind', object: 'o2' }]);
    expect(g4.relations[0].predicate).toBe('behind');
    expect(g4.objects).toHaveLength(3);
    expect(g8.objects[2].box).toEqual([20 / 200, 0, 70 / 200, 50 / 300]);
    expect(g10.objects).toHaveLength(30);
    expect(g13.objects[0].attributes).toEqual(['red', ...ATTRS.slice(0, 29)]);
    expect(g13.objects[1].attributes).toHaveLength(30);
    expect(b.masks).toBeUndefined();
    expect(b.packed.numTriples).toBe(1 + 1 + 1 + 1 + 30 + 1 + (3 + 3 + 4 + 3 + 30 + 3));
  });

  it('can normalise predicates in every split', async () => {
    const m = await prepareVisualGenome({
      input: join(root, 'in'),
      out: join(root, 'out-norm'),
      size: 32,
      rules: { ...RULES, normalizeAllPredicates: true },
    });
    expect(m.splits.val.images).toBe(2);
    expect(m.skipped.image_too_few_relationships).toBe(1);
  });

  it('falls back to a seeded, repeatable split without vg_splits.json', async () => {
    const input = join(root, 'in-nosplit');
    const images = Array.from({ length: 40 }, (_, i) => ({
      id: 100 + i,
      objects: [o('man'), o('tree'), o('lamp')],
      relations: [[0, 'near', 1]] as [number, string, number][],
    }));
    await writeVgFixture(input, images);
    const run = (out: string, seed: number) =>
      prepareVisualGenome({ input, out: join(root, out), size: 32, rules: RULES, seed });
    const a = await run('ns1', 4);
    const b = await run('ns2', 4);
    const c = await run('ns3', 5);
    expect(a.rules.splits).toMatch(/seeded 80\/10\/10/);
    const total = a.splits.train.images + a.splits.val.images + a.splits.test.images;
    expect(total).toBe(40);
    expect(a.splits.train.images).toBeGreaterThanOrEqual(26);
    expect(a.splits).toEqual(b.splits);
    expect(c.splits.train.shards[0].sha256).not.toBe(a.splits.train.shards[0].sha256);
  });

  it('drops negative-size and outside boxes with counts, and clamps one partly outside', async () => {
    const input = join(root, 'boxes');
    const three = (id: number, extra: FixtureObject[] = []): FixtureImage => ({
      id,
      objects: [o('man'), o('tree'), o('man'), ...extra],
      relations: [[0, 'near', 1]],
    });
    await writeVgFixture(
      input,
      [
        three(41, [
          o('man', { x: 300, y: 200, w: -60, h: -60 }), // min(w, h) < 32 would call it "too small"
          o('man', { x: 500, y: 10, w: 50, h: 50 }), // right of a 400 px wide image
          o('tree', { x: -50, y: -50, w: 1e9, h: 1e9 }), // covers it: kept, clamped
        ]),
        three(42),
        three(43),
      ],
      { splits: { train: [41], val: [42], test: [43] } },
    );
    const out = join(root, 'boxes-out');
    const m = await prepareVisualGenome({
      input,
      out,
      size: 32,
      rules: { minObjectInstances: 1, minAttributeInstances: 1, minRelationshipInstances: 1 },
    });
    expect(m.skipped).toMatchObject({ box_negative_size: 1, box_outside_image: 1 });
    expect(m.skipped.object_too_small).toBeUndefined();
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).skipped).toEqual(
      m.skipped,
    );
    const b = (await (await createLoader({ dir: out, split: 'train', batchSize: 1 })).next())!;
    expect(b.graphs[0].objects.map((x) => x.label)).toEqual(['man', 'tree', 'man', 'tree']);
    expect(b.graphs[0].objects[3].box).toEqual([0, 0, 1, 1]);
  });
});
