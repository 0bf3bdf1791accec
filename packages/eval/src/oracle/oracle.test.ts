import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import type { SceneGraph } from '@sgdiff/scene-graph';
import { complianceMetrics } from '../compliance/compliance.js';
import { EvalError } from '../errors.js';
import { gridSize, oracleConfig, type OracleConfig } from './config.js';
import { decodeOracle, runOracle } from './decode.js';
import { SyntheticOracle, upsampleNearest } from './model.js';
import { oracleTargets } from './targets.js';
import { OracleTrainer } from './trainer.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

const tiny: OracleConfig = oracleConfig({
  imageSize: 32,
  classes: ['red square', 'blue square', 'sky'],
  stages: [
    [8, 2],
    [16, 2],
    [16, 2],
  ],
  groups: 4,
});

describe('oracle targets and decoding', () => {
  it('puts a peak at the centre cell and box distances around it (hand-computed)', () => {
    // G = 4; box centre (0.3, 0.6) → cell (1, 2); σ = max(0.5, 0.2·4/6) = 0.5.
    const g: SceneGraph = {
      objects: [{ id: 'a', label: 'blue square', box: [0.2, 0.5, 0.4, 0.7] }],
      relations: [],
    };
    const t = oracleTargets([g], tiny);
    const at = (j: number, i: number, k: number) => (j * 4 + i) * 3 + k;
    expect(t.heat[at(2, 1, 1)]).toBe(1);
    expect(t.heat[at(2, 2, 1)]).toBeCloseTo(Math.exp(-2), 6); // one cell away: exp(−1 / (2·0.25))
    expect(t.heat[at(2, 1, 0)]).toBe(0);
    expect(t.count).toBe(1);
    // Centre cell (1.5, 2.5) in cells; box in cells [0.8, 2, 1.6, 2.8].
    const b = Array.from(t.boxes.subarray(at(2, 1, 1) * 4, at(2, 1, 1) * 4 + 4));
    [0.7, 0.5, 0.1, 0.3].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    // 3×3 neighbourhood carries box targets, nothing further.
    expect(t.boxMask.reduce((a, v) => a + v, 0)).toBe(9);
    expect(t.boxMask[at(0, 1, 1)]).toBe(0);
  });

  it('decodes ideal logits back to the boxes, one detection per instance', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red square', box: [0.05, 0.05, 0.3, 0.3] },
        { id: 'b', label: 'red square', box: [0.6, 0.6, 0.9, 0.9] },
        { id: 's', label: 'sky', box: [0, 0, 1, 0.5] },
      ],
      relations: [],
    };
    const t = oracleTargets([g], tiny);
    // Logits rising with the target: +8 at peaks, below the threshold elsewhere.
    const heat = t.heat.map((v) => 16 * v - 8);
    const [p] = decodeOracle(heat, t.boxes, 1, tiny);
    expect(p.detections.map((d) => d.label).sort()).toEqual(['red square', 'red square', 'sky']);
    const boxes = p.detections
      .filter((d) => d.label === 'red square')
      .map((d) => d.box)
      .sort((a, b) => a[0] - b[0]);
    [g.objects[0].box!, g.objects[1].box!].forEach((want, i) =>
      want.forEach((v, c) => expect(boxes[i][c]).toBeCloseTo(v, 5)),
    );
    p.detections
      .find((d) => d.label === 'sky')!
      .box.forEach((v, c) => expect(v).toBeCloseTo([0, 0, 1, 0.5][c], 5));
    expect(p.presence[1]).toBeLessThan(0.01); // blue square absent
    expect(p.classBoxes[1]).toBeDefined(); // its best (sub-threshold) peak still has a box
  });

  it('snaps the configured sides of a class onto the border when decoding', () => {
    const g: SceneGraph = {
      objects: [
        { id: 'a', label: 'red square', box: [0.05, 0.05, 0.3, 0.3] },
        { id: 'b', label: 'red square', box: [0.6, 0.6, 0.9, 0.9] },
      ],
      relations: [],
    };
    const t = oracleTargets([g], tiny);
    const heat = t.heat.map((v) => 16 * v - 8);
    const snapped = {
      ...tiny,
      borderSnap: { margin: 0.1, sides: { 'red square': ['left', 'top'] } },
    };
    const boxes = decodeOracle(heat, t.boxes, 1, snapped as OracleConfig)[0]
      .detections.map((d) => d.box)
      .sort((a, b) => a[0] - b[0]);
    // Left/top 0.05 are within 0.1 of the border; 0.6 is not; right/bottom are not listed.
    [
      [0, 0, 0.3, 0.3],
      [0.6, 0.6, 0.9, 0.9],
    ].forEach((want, i) => want.forEach((v, c) => expect(boxes[i][c]).toBeCloseTo(v, 5)));
  });

  it('rejects labels it does not know and graphs without boxes', () => {
    expect(() =>
      oracleTargets(
        [{ objects: [{ id: 'a', label: 'dog', box: [0, 0, 1, 1] }], relations: [] }],
        tiny,
      ),
    ).toThrow(/no class "dog"/);
    expect(() =>
      oracleTargets([{ objects: [{ id: 'a', label: 'sky' }], relations: [] }], tiny),
    ).toThrow(EvalError);
  });
});

/** Flat-colour scenes: a sky band and one or two squares, rasterised by hand. */
function scene(seed: number): { image: Uint8Array; graph: SceneGraph } {
  const S = 32;
  const img = new Uint8Array(S * S * 3);
  const split = 8 + (seed % 3) * 4;
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++)
      img.set(y < split ? [120, 160, 220] : [90, 140, 80], (y * S + x) * 3);
  const objects: SceneGraph['objects'] = [{ id: 's', label: 'sky', box: [0, 0, 1, split / S] }];
  const squares: [string, number[], number, number][] = [
    ['red square', [230, 30, 30], 3 + seed * 3, 16],
    ['blue square', [30, 30, 230], 20 - seed * 2, 6 + seed * 2],
  ];
  for (const [label, rgb, x0, y0] of squares.slice(0, 1 + (seed % 2))) {
    const side = 8;
    for (let y = y0; y < y0 + side; y++)
      for (let x = x0; x < x0 + side; x++) img.set(rgb, (y * S + x) * 3);
    objects.push({ id: label, label, box: [x0 / S, y0 / S, (x0 + side) / S, (y0 + side) / S] });
  }
  return { image: img, graph: { objects, relations: [] } };
}

describe('SyntheticOracle', () => {
  it('gives heads and features of the documented shapes', () => {
    const m = new SyntheticOracle(tiny);
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = m.forward(x);
    expect(out.heat.shape).toEqual([2, 4, 4, 3]);
    expect(out.boxes.shape).toEqual([2, 4, 4, 12]);
    expect(out.features.shape).toEqual([2, 16]);
    tf.dispose([out.heat, out.boxes, out.features]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it('upsamples nearest-neighbour by an integer factor (hand-computed)', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = upsampleNearest(x, 2);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    tf.dispose([x, y]);
  });

  it('reads a finer grid from the skip stage, with gradients reaching every weight', () => {
    const fine: OracleConfig = { ...tiny, skip: { stage: 1, channels: 8 } };
    expect(gridSize(fine)).toBe(8); // 32 / (2·2)
    const m = new SyntheticOracle(fine);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const out = m.forward(x);
    expect(out.heat.shape).toEqual([2, 8, 8, 3]);
    expect(out.boxes.shape).toEqual([2, 8, 8, 12]);
    expect(out.features.shape).toEqual([2, 16]); // still the last stage, pooled
    tf.dispose([out.heat, out.boxes, out.features]);
    const vars = [...m.parameters().values()];
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(m.forward(x).heat)) as tf.Scalar,
      vars,
    );
    for (const v of vars) expect(tf.sum(tf.abs(grads[v.name])).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose(Object.values(grads));
    x.dispose();
    m.dispose();
  });

  it('with flip test-time augmentation, predicts mirrored boxes for a mirrored image', async () => {
    const S = 32;
    const img = new Uint8Array(S * S * 3).map((_, i) => (i * 7919) % 251);
    const mirrored = new Uint8Array(img.length);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        mirrored.set(img.subarray((y * S + x) * 3, (y * S + x) * 3 + 3), (y * S + (S - 1 - x)) * 3);
    const both = new Uint8Array(2 * img.length);
    both.set(img);
    both.set(mirrored, img.length);
    const worst = async (flipTest: boolean) => {
      const m = new SyntheticOracle({ ...tiny, flipTest });
      const [a, b] = (await runOracle(m, both, 2, S)).predictions;
      m.dispose();
      let err = 0;
      a.classBoxes.forEach((box, k) => {
        const want = [1 - box![2], box![1], 1 - box![0], box![3]];
        b.classBoxes[k]!.forEach((v, c) => (err = Math.max(err, Math.abs(v - want[c]))));
        err = Math.max(err, Math.abs(a.presence[k] - b.presence[k]));
      });
      return err;
    };
    expect(await worst(true)).toBeLessThan(1e-5);
    expect(await worst(false)).toBeGreaterThan(1e-3); // a plain CNN is not mirror-equivariant
  });

  it('overfits a few scenes without leaking tensors, and then finds their objects', async () => {
    const scenes = [0, 1, 2, 3].map(scene);
    const images = new Uint8Array(4 * 32 * 32 * 3);
    scenes.forEach((s, i) => images.set(s.image, i * 32 * 32 * 3));
    const graphs = scenes.map((s) => s.graph);
    const trainer = new OracleTrainer(tiny, {
      lr: 1e-2,
      warmupSteps: 5,
      totalSteps: 150,
      weightDecay: 0,
      clipNorm: 5,
      boxWeight: 1,
      noise: 0,
    });
    const first = await trainer.step(images, graphs, 32, 0);
    let counts = -1;
    let last = first;
    for (let s = 1; s < 150; s++) {
      last = await trainer.step(images, graphs, 32, s);
      if (s === 2) counts = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(counts);
    expect(last.loss).toBeLessThan(first.loss / 5);
    const run = await runOracle(trainer.model, images, 4, 32);
    expect(run.features.length).toBe(4 * 16);
    const c = complianceMetrics(
      graphs,
      run.predictions.map((p) => p.detections),
    );
    expect(c.objectRecall).toBe(1);
    trainer.model.dispose();
  }, 60000);
});
