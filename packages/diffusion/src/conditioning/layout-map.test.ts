import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import {
  packGraphs,
  parseSceneGraphText,
  SYNTHETIC_LAYOUT_PRIOR,
  syntheticVocabulary,
} from '@sgdiff/scene-graph';
import { concatContext, Denoiser } from '../ldm/denoiser.js';
import { tinyModel } from '../testing/tiny-model.js';
import { boxCoverage, LayoutMap, layoutSlots } from './layout-map.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

const vocab = syntheticVocabulary();

describe('boxCoverage', () => {
  it('gives the share of each cell a box covers (hand-computed)', () => {
    // A 2×4 grid: cells are 0.25 wide and 0.5 high.
    const boxes = tf.tensor3d([0, 0, 0.5, 0.25, 0.1, 0.6, 0.2, 0.9], [1, 2, 4]);
    const cover = boxCoverage(boxes, 2, 4);
    expect(cover.shape).toEqual([1, 2, 8]);
    const [a, b] = (cover.arraySync() as number[][][])[0];
    // Box 1 covers the left half of the top half-row: x shares 1,1,0,0 times y share 0.5.
    [0.5, 0.5, 0, 0, 0, 0, 0, 0].forEach((v, i) => expect(a[i]).toBeCloseTo(v, 6));
    // Box 2 is smaller than a cell: 0.1/0.25 of cell 0 in x, 0.3/0.5 of row 1 in y.
    [0, 0, 0, 0, 0.24, 0, 0, 0].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    tf.dispose([boxes, cover]);
  });
});

describe('layoutSlots', () => {
  it('pads each graph to the largest and masks objects without boxes', () => {
    const g1 = parseSceneGraphText('red circle left of blue square', vocab);
    g1.objects[0].box = [0.1, 0.2, 0.3, 0.4];
    const g2 = parseSceneGraphText('sky', vocab);
    g2.objects[0].box = [0, 0, 1, 0.5];
    const s = layoutSlots(packGraphs([g1, g2], vocab));
    // Graph 1: two objects and its image node; graph 2: one object, its image node, padding.
    expect(s.slots).toBe(3);
    expect(Array.from(s.labels)).toEqual([
      vocab.objectIndex('red circle'),
      vocab.objectIndex('blue square'),
      vocab.imageIndex,
      vocab.objectIndex('sky'),
      vocab.imageIndex,
      0,
    ]);
    expect(Array.from(s.mask)).toEqual([1, 0, 1, 1, 1, 0]);
    expect(Array.from(s.boxes.subarray(0, 4))).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(Array.from(s.boxes.subarray(12, 16))).toEqual([0, 0, 1, 0.5]);
  });
});

describe('LayoutMap', () => {
  it('paints each box with its label embedding, summed, and empties dropped graphs', () => {
    const map = new LayoutMap({
      numLabels: vocab.numObjects,
      channels: 3,
      prior: SYNTHETIC_LAYOUT_PRIOR,
    });
    const g = parseSceneGraphText('red circle; blue square', vocab);
    g.objects[0].box = [0, 0, 0.5, 0.5];
    g.objects[1].box = [0.25, 0.25, 1, 1];
    const slots = layoutSlots(packGraphs([g, g], vocab));
    const before = tf.memory().numTensors;
    const keep = tf.tensor1d([1, 0]);
    const out = map.forward(slots, 2, 2, keep);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(out.shape).toEqual([2, 2, 2, 3]);
    const E = map.embedding.weight.arraySync() as number[][];
    const red = E[vocab.objectIndex('red circle')];
    const blue = E[vocab.objectIndex('blue square')];
    const image = E[vocab.imageIndex];
    // Blue covers a quarter of the top-left cell and half of the two next to it.
    const want = [
      [1, 0.25],
      [0, 0.5],
      [0, 0.5],
      [0, 1],
    ].map(([r, b]) => red.map((v, c) => r * v + b * blue[c] + image[c]));
    const got = out.arraySync() as number[][][][];
    want.forEach((cell, k) =>
      cell.forEach((v, c) => expect(got[0][Math.floor(k / 2)][k % 2][c]).toBeCloseTo(v, 5)),
    );
    expect(got[1].flat(2).every((v) => v === 0)).toBe(true);
    tf.dispose([keep, out]);
    map.dispose();
  });

  it('names a label outside its vocabulary', () => {
    const map = new LayoutMap({ numLabels: 4, channels: 2, prior: SYNTHETIC_LAYOUT_PRIOR });
    const g = parseSceneGraphText('sand', vocab);
    expect(vocab.objectIndex('sand')).toBeGreaterThan(3);
    g.objects[0].box = [0, 0, 1, 1];
    const slots = layoutSlots(packGraphs([g], vocab));
    expect(() => map.forward(slots, 2, 2)).toThrow(/label index is outside 0\.\.3/);
    map.dispose();
  });
});

describe('Denoiser with layout input', () => {
  it('starts unchanged by the map (zero-initialised conv) and then depends on it', () => {
    const m = tinyModel({ layout: true });
    const d = m.denoiser;
    const g = parseSceneGraphText('red circle left of blue square', vocab);
    g.objects[0].box = [0, 0.2, 0.4, 0.6];
    g.objects[1].box = [0.6, 0.2, 1, 0.6];
    const packed = packGraphs([g], vocab);
    const tokens = m.encoder.forward(packed);
    const withMap = d.condition(tokens, undefined, { slots: layoutSlots(packed), size: [8, 8] });
    const plain = d.condition(tokens);
    const x = tf.randomNormal([1, 8, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.tensor1d([50]);
    const e0 = d.eps(x, t, plain);
    const e1 = d.eps(x, t, withMap);
    expect(tf.max(tf.abs(tf.sub(e0, e1))).dataSync()[0]).toBe(0);
    d.unet.layoutConv!.weight.assign(tf.randomNormal(d.unet.layoutConv!.weight.shape, 0, 0.3));
    for (const [name, v] of d.parameters())
      if (/outConv|conv2/.test(name)) v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', 2));
    const e2 = d.eps(x, t, withMap);
    const e3 = d.eps(x, t, plain);
    expect(tf.max(tf.abs(tf.sub(e2, e3))).dataSync()[0]).toBeGreaterThan(1e-3);

    // With the null condition (no map) in one batch: its rows get an empty map.
    const both = concatContext(withMap, d.nullCondition(1));
    expect(both.layout!.shape).toEqual([2, 8, 8, 4]);
    expect(tf.sum(tf.abs(tf.slice(both.layout!, [1], [1]))).dataSync()[0]).toBe(0);
    expect(
      tf.max(tf.abs(tf.sub(tf.slice(both.layout!, [0], [1]), withMap.layout!))).dataSync()[0],
    ).toBe(0);
    tf.dispose([x, t, e0, e1, e2, e3]);
    d.dispose();
  });

  it('refuses a map it cannot read, naming the mismatch', () => {
    const m = tinyModel({ layout: true });
    const x = tf.zeros([1, 8, 8, 4]) as tf.Tensor4D;
    const bad = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const cond = m.denoiser.nullCondition(1);
    expect(() =>
      m.denoiser.unet.forward(x, tf.tensor1d([1]), cond.context, cond.mask, bad),
    ).toThrow(/layout map 8×8×3, expected 8×8×4/);
    const plain = tinyModel();
    expect(() =>
      plain.denoiser.unet.forward(x, tf.tensor1d([1]), cond.context, cond.mask, bad),
    ).toThrow(/UNet without layout input/);
    expect(
      () =>
        new Denoiser({
          ...m.manifest.parts.unet.config,
          unet: { ...m.manifest.parts.unet.config.unet, layoutChannels: 2 },
        }),
    ).toThrow(/layout map of 4 channels, UNet reads 2/);
  });
});
