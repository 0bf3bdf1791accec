import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamJsonArray, streamJsonObjectArrays } from './json-stream.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sgdiff-json-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('JSON streaming', () => {
  it('yields the elements of a top-level array', async () => {
    const f = join(root, 'a.json');
    await writeFile(f, JSON.stringify([{ a: 1, s: 'x"y' }, [1, 2], 3.5, null]));
    const items: unknown[] = [];
    let bytes = 0;
    await streamJsonArray(
      f,
      (v) => items.push(v),
      (d) => (bytes = d),
    );
    expect(items).toEqual([{ a: 1, s: 'x"y' }, [1, 2], 3.5, null]);
    expect(bytes).toBeGreaterThan(20);
  });

  it('yields the elements of chosen arrays of an object, in file order', async () => {
    const f = join(root, 'b.json');
    await writeFile(
      f,
      JSON.stringify({
        info: { images: [9] },
        images: [{ id: 1 }],
        annotations: [{ id: 2 }, { id: 3 }],
        categories: [{ id: 4 }],
      }),
    );
    const items: unknown[] = [];
    await streamJsonObjectArrays(f, ['images', 'annotations', 'categories'], (v) => items.push(v));
    expect(items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
  });

  it('reports broken JSON as a DatasetError', async () => {
    const f = join(root, 'c.json');
    await writeFile(f, '[{"a": 1}, {"b": ');
    await expect(streamJsonArray(f, () => undefined)).rejects.toThrow(/c.json: not valid JSON/);
  });
});
