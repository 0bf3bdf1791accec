import type { RgbaImage, SceneGraph } from '@sgdiff/scene-graph';
import { evaluateModel, type ImageStore } from './evaluate-model.js';

const side = 4;
const graphs: SceneGraph[] = Array.from({ length: 5 }, (_, i) => ({
  objects: [{ id: `o${i}`, label: 'red circle' }],
  relations: [],
}));
const real = { images: new Uint8Array(5 * side * side * 3), side };
// Image i is filled with the value i: which image landed where is visible in the result.
const image = (i: number): RgbaImage => ({
  rgba: new Uint8ClampedArray(side * side * 4).fill(i),
  width: side,
  height: side,
});

function mapStore(initial: number[] = []): ImageStore & { images: Map<number, RgbaImage> } {
  const images = new Map(initial.map((i) => [i, image(i)]));
  return { images, get: (i) => images.get(i), put: (i, img) => void images.set(i, img) };
}

describe('evaluateModel', () => {
  it('makes every image in batches, in order, and hands back each set', async () => {
    const calls: Array<[number, number]> = [];
    const progress: number[] = [];
    const { sets } = await evaluateModel({
      real,
      graphs,
      side,
      batch: 2,
      evaluators: {},
      sets: [
        {
          key: 'a',
          generate: async (gs, first) => {
            calls.push([first, gs.length]);
            return gs.map((_, j) => image(first + j));
          },
        },
      ],
      onProgress: (done) => progress.push(done),
    });
    expect(calls).toEqual([
      [0, 2],
      [2, 2],
      [4, 1],
    ]);
    expect(progress).toEqual([2, 4, 5]);
    expect(sets[0].metrics.images).toBe(5);
    expect(Array.from({ length: 5 }, (_, i) => sets[0].rgba[i * side * side * 4])).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('resumes: a batch whose images are all stored is not generated again, and stored images are kept', async () => {
    const store = mapStore([0, 1, 3]);
    store.images.set(3, { ...image(3), rgba: new Uint8ClampedArray(side * side * 4).fill(99) });
    const calls: number[] = [];
    const { sets } = await evaluateModel({
      real,
      graphs,
      side,
      batch: 2,
      evaluators: {},
      sets: [
        {
          key: 'a',
          store,
          generate: async (gs, first) => {
            calls.push(first);
            return gs.map((_, j) => image(first + j));
          },
        },
      ],
    });
    expect(calls).toEqual([2, 4]); // [0, 1] was complete; [2, 3] lacked 2; [4] lacked 4
    expect(sets[0].rgba[3 * side * side * 4]).toBe(99); // image 3 came from the store
    expect([...store.images.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses images of the wrong size, and a wrong number of images', async () => {
    const wrong = { rgba: new Uint8ClampedArray(8 * 8 * 4), width: 8, height: 8 };
    await expect(
      evaluateModel({
        real,
        graphs,
        side,
        evaluators: {},
        sets: [{ key: 'a', generate: async (gs) => gs.map(() => wrong) }],
      }),
    ).rejects.toThrow('a: image 0 is 8×8, expected 4×4');
    await expect(
      evaluateModel({
        real,
        graphs,
        side,
        evaluators: {},
        sets: [{ key: 'a', generate: async () => [image(0)] }],
      }),
    ).rejects.toThrow('a: generate returned 1 images for 5');
  });

  it('stops between batches when aborted, keeping what was stored', async () => {
    const controller = new AbortController();
    const store = mapStore();
    const run = evaluateModel({
      real,
      graphs,
      side,
      batch: 2,
      evaluators: {},
      signal: controller.signal,
      sets: [
        {
          key: 'a',
          store,
          generate: async (gs, first) => {
            controller.abort();
            return gs.map((_, j) => image(first + j));
          },
        },
      ],
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect([...store.images.keys()]).toEqual([0, 1]);
  });
});
