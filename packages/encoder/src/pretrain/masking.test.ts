import { tf } from '@sgdiff/nn';
import type { SceneGraph } from '@sgdiff/scene-graph';
import { Rng } from '../random.js';
import { boxMasks, maskedMSE, maskImage, reducedTargets } from './masking.js';

const graph: SceneGraph = {
  objects: [
    { id: 'a', label: 'red circle', box: [0, 0, 0.5, 0.25] },
    { id: 'b', label: 'sky' },
  ],
  relations: [],
};

describe('boxMasks', () => {
  it('hides exactly the pixels of a masked box, and never an object without a box', () => {
    const m = boxMasks([graph], 4, 4, new Rng(1), { objectProb: 1, imageProb: 0 });
    expect(Array.from(m)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const all = boxMasks([graph], 4, 4, new Rng(1), { objectProb: 0, imageProb: 1 });
    expect(Array.from(all).every((v) => v === 1)).toBe(true);
  });

  it('masks boxes and whole images at the configured rates, reproducibly from the seed', () => {
    const graphs = Array.from({ length: 4000 }, () => graph);
    const m = boxMasks(graphs, 4, 4, new Rng(7));
    let boxHidden = 0;
    let imageHidden = 0;
    for (let i = 0; i < graphs.length; i++) {
      const one = m.subarray(16 * i, 16 * i + 16);
      if (one[0] === 1) boxHidden++;
      if (one[15] === 1) imageHidden++;
    }
    // Box pixel hidden: 1 − (1 − 0.8)(1 − 0.1) = 0.82; far corner only by the image box: 0.1.
    expect(boxHidden / graphs.length).toBeCloseTo(0.82, 1);
    expect(imageHidden / graphs.length).toBeCloseTo(0.1, 1);
    expect(Array.from(boxMasks(graphs.slice(0, 50), 4, 4, new Rng(7)))).toEqual(
      Array.from(m.subarray(0, 800)),
    );
  });
});

describe('reduced targets and masked MSE', () => {
  it('average-pools the image and counts a cell as masked when half its pixels are hidden', async () => {
    // 1×4×4×1 values 0..15 → 2×2 cells of means 2.5, 4.5, 10.5, 12.5.
    const image = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) as tf.Tensor4D;
    const mask = tf.tensor3d([
      [
        [1, 1, 1, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 1],
      ],
    ]);
    const { target, cellMask } = reducedTargets(image, mask, 2);
    expect(Array.from(await target.data())).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect(Array.from(await cellMask.data())).toEqual([1, 0, 0, 0]);
    tf.dispose([image, mask, target, cellMask]);
  });

  it('zeroes hidden pixels and appends the mask channel', async () => {
    const image = tf.ones([1, 1, 2, 3]) as tf.Tensor4D;
    const mask = tf.tensor3d([[[1, 0]]]);
    const m = maskImage(image, mask);
    expect(Array.from(await m.data())).toEqual([0, 0, 0, 1, 1, 1, 1, 0]);
    tf.dispose([image, mask, m]);
  });

  it('averages squared error over masked cells and channels only', async () => {
    const pred = tf.tensor4d([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]); // [1, 1, 2, 2]
    const target = tf.zeros([1, 1, 2, 2]) as tf.Tensor4D;
    const one = tf.tensor4d([[[[1], [0]]]]);
    const none = tf.zeros([1, 1, 2, 1]) as tf.Tensor4D;
    const l1 = maskedMSE(pred, target, one);
    const l0 = maskedMSE(pred, target, none);
    expect((await l1.data())[0]).toBeCloseTo((1 + 4) / 2, 6);
    expect((await l0.data())[0]).toBe(0);
    tf.dispose([pred, target, one, none, l1, l0]);
  });
});

describe('patchesToImage', () => {
  it('puts channel block (py·p + px) of cell (gy, gx) at pixel (gy·p + py, gx·p + px)', async () => {
    const { patchesToImage } = await import('./masked-decoder.js');
    // B = 1, g = 2, p = 2: value = 100·cell + 10·sub-pixel + channel.
    const values: number[] = [];
    for (let cell = 0; cell < 4; cell++)
      for (let sub = 0; sub < 4; sub++)
        for (let c = 0; c < 3; c++) values.push(100 * cell + 10 * sub + c);
    const x = tf.tensor4d(values, [1, 2, 2, 12]);
    const img = (await patchesToImage(x, 2).array()) as number[][][][];
    const expected = (y: number, xx: number, c: number) =>
      100 * (Math.floor(y / 2) * 2 + Math.floor(xx / 2)) + 10 * ((y % 2) * 2 + (xx % 2)) + c;
    for (let y = 0; y < 4; y++)
      for (let xx = 0; xx < 4; xx++)
        for (let c = 0; c < 3; c++) expect(img[0][y][xx][c]).toBe(expected(y, xx, c));
    x.dispose();
  });
});
