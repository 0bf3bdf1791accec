import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { JsonElementScanner } from './json-scan.js';
import { streamJsonArray, streamJsonObjectArrays } from './json-stream.js';

/** Feeds text in chunks of the given sizes (cycled), collecting elements. */
function scanChunks(text: string, sizes: number[], keys?: string[]): unknown[] {
  const out: unknown[] = [];
  const s = new JsonElementScanner((v) => out.push(v), keys && new Set(keys));
  const bytes = new TextEncoder().encode(text);
  let k = 0;
  for (let p = 0; p < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]);
    s.push(bytes.subarray(p, p + n));
    p += n;
  }
  s.end();
  return out;
}

describe('JsonElementScanner', () => {
  it('splits any array into its elements, however it is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue()),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1 }),
        (xs, sizes) => {
          const text = JSON.stringify(xs, null, sizes[0] % 3);
          expect(scanChunks(text, sizes)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('picks the arrays under chosen keys of an object, skipping everything else', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.array(fc.jsonValue()),
        fc.array(fc.jsonValue()),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }),
        (noise, images, annotations, sizes) => {
          const doc = { ...noise, images, info: { images: [1, 2] }, annotations };
          const got = scanChunks(JSON.stringify(doc), sizes, ['images', 'annotations']);
          // Through JSON: -0 is written as 0, as JSON.parse would read it too.
          expect(got).toEqual(JSON.parse(JSON.stringify([...images, ...annotations])));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handles escapes, unicode and scalars', () => {
    const xs = ['a"b', 'c\\\\', 'é ü 😀 ], {', 1.5e-3, -2, true, null, [], {}];
    expect(scanChunks(JSON.stringify(xs), [1])).toEqual(xs);
  });

  it('rejects truncated and broken input', () => {
    expect(() => scanChunks('[{"a": 1}, {"b": ', [4])).toThrow(/ends early/);
    expect(() => scanChunks('[1, , 2]', [4])).toThrow(/empty array element/);
    expect(() => scanChunks('[{"a": tru}]', [4])).toThrow(/not valid JSON/);
    expect(() => scanChunks('', [4])).toThrow(/empty/);
  });
});

describe('scan engine vs stream-json', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sgdiff-scan-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('yields the same items on VG- and COCO-shaped files', async () => {
    const vg = Array.from({ length: 50 }, (_, i) => ({
      image_id: i,
      objects: [{ object_id: i, names: ['a "b"', 'ü'], x: 1.5 }],
    }));
    const coco = {
      info: { images: [9] },
      images: vg.slice(0, 5),
      annotations: vg.slice(5),
      categories: [{ id: 1, name: 'x' }],
    };
    await writeFile(join(root, 'vg.json'), JSON.stringify(vg, null, 1));
    await writeFile(join(root, 'coco.json'), JSON.stringify(coco));
    const collect = async (f: (on: (v: unknown) => void) => Promise<void>) => {
      const out: unknown[] = [];
      await f((v) => out.push(v));
      return out;
    };
    const vgFile = join(root, 'vg.json');
    const cocoFile = join(root, 'coco.json');
    const keys = ['images', 'annotations', 'categories'];
    expect(await collect((on) => streamJsonArray(vgFile, on, undefined, 'scan'))).toEqual(
      await collect((on) => streamJsonArray(vgFile, on, undefined, 'stream-json')),
    );
    expect(
      await collect((on) => streamJsonObjectArrays(cocoFile, keys, on, undefined, 'scan')),
    ).toEqual(
      await collect((on) => streamJsonObjectArrays(cocoFile, keys, on, undefined, 'stream-json')),
    );
  });

  it('refuses a file whose wanted lists are missing or of another type, however it is chunked', () => {
    const run = (text: string, chunk: number) => {
      const s = new JsonElementScanner(() => undefined, new Set(['a', 'b']), 'f.json', ['a', 'b']);
      const bytes = new TextEncoder().encode(text);
      for (let p = 0; p < bytes.length; p += chunk) s.push(bytes.subarray(p, p + chunk));
      s.end();
    };
    for (const chunk of [1, 3, 1000]) {
      expect(() => run('{"a": [1], "b": []}', chunk)).not.toThrow();
      expect(() => run('{"a": [1], "c": []}', chunk)).toThrow(
        'f.json: no "b" list (expected "a", "b")',
      );
      expect(() => run('{"a": [1], "b" :\n {"x": []}}', chunk)).toThrow(
        'f.json: "b" must be a list, found an object',
      );
      expect(() => run('{"b": 3, "a": []}', chunk)).toThrow('"b" must be a list, found a number');
      expect(() => run('{"b": true}', chunk)).toThrow('"b" must be a list, found a boolean');
      expect(() => run('[{"a": [], "b": []}]', chunk)).toThrow(
        'f.json: expected a JSON object with "a", "b", found a list',
      );
      // A nested "b" is not the top-level one.
      expect(() => run('{"a": [{"b": 1}], "x": {"b": 2}}', chunk)).toThrow('no "b" list');
    }
    // A reader of a top-level list (Visual Genome's files) refuses an object.
    const list = new JsonElementScanner(() => undefined, undefined, 'objects.json');
    expect(() => list.push(new TextEncoder().encode('{"objects": []}'))).toThrow(
      'objects.json: expected a JSON list, found an object',
    );
  });
});
