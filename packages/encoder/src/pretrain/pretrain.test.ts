import { AdamW, tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { syntheticVocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { SceneGraphEncoder } from '../model/encoder.js';
import { Rng } from '../random.js';
import { ablationConfig, pretrainConfig, type PretrainConfig } from './config.js';
import { maskImage } from './masking.js';
import {
  MaskedContrastiveModel,
  prepareBatch,
  pretrainLosses,
  type PretrainBatch,
} from './model.js';
import { pretrainStep } from './step.js';

const vocab = syntheticVocabulary();
const SIZE = 16;
const COLOURS: Record<string, [number, number, number]> = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
};

/** Four toy scenes: two coloured squares, one left of the other, drawn as filled boxes. */
function toyBatch(): PretrainBatch {
  const pairs: [string, string][] = [
    ['red', 'blue'],
    ['blue', 'red'],
    ['green', 'yellow'],
    ['yellow', 'green'],
  ];
  const left = [0.05, 0.3, 0.4, 0.7] as const;
  const right = [0.55, 0.3, 0.95, 0.7] as const;
  const images = new Uint8Array(pairs.length * SIZE * SIZE * 3);
  const graphs: SceneGraph[] = pairs.map(([a, b], i) => {
    for (const [colour, box] of [
      [a, left],
      [b, right],
    ] as const) {
      for (let y = Math.floor(box[1] * SIZE); y < Math.ceil(box[3] * SIZE); y++) {
        for (let x = Math.floor(box[0] * SIZE); x < Math.ceil(box[2] * SIZE); x++) {
          images.set(COLOURS[colour], ((i * SIZE + y) * SIZE + x) * 3);
        }
      }
    }
    return {
      objects: [
        { id: 'l', label: `${a} square`, box: [...left] },
        { id: 'r', label: `${b} square`, box: [...right] },
      ],
      relations: [{ subject: 'l', predicate: 'left of', object: 'r' }],
    };
  });
  return { images, graphs };
}

function tinyConfig(): PretrainConfig {
  const c = pretrainConfig(vocab, 'tiny');
  c.imageSize = SIZE;
  return c;
}

describe('pretraining', () => {
  // Training steps on the cpu backend take seconds (its conv filter gradient is a naive loop);
  // WASM with nn's training kernels is the backend pre-training actually runs on.
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', log: false });
  });

  it('gives finite losses, and the ablations switch their parts off', async () => {
    const batch = toyBatch();
    for (const variant of ['contrastive', 'masked', 'both+hard'] as const) {
      const model = new MaskedContrastiveModel(ablationConfig(tinyConfig(), variant));
      const prepared = prepareBatch(batch, model.config, vocab, new Rng(3));
      const l = pretrainLosses(model, prepared);
      const [loss, c, m] = await Promise.all(
        [l.loss, l.contrastive, l.masked].map(async (t) => (await t.data())[0]),
      );
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeCloseTo(c + m, 5);
      if (variant === 'masked') {
        expect(model.imageEncoder).toBeNull();
        expect(c).toBe(0);
      }
      if (variant === 'contrastive') {
        expect(model.decoder).toBeNull();
        expect(m).toBe(0);
        // In-batch only: InfoNCE with 4 pairs at init is near log 4.
        expect(c).toBeGreaterThan(0.5);
      }
      if (variant === 'both+hard') expect(prepared.hardNegatives).toBe(3);
      tf.dispose([l.loss, l.contrastive, l.masked]);
      model.dispose();
    }
  });

  it('decodes the same thing whatever the padded local tokens hold', async () => {
    const model = new MaskedContrastiveModel(tinyConfig());
    const batch = toyBatch();
    const enc = model.encoder.encodeGraphs(batch.graphs, vocab);
    const images = tf.randomUniform([4, SIZE, SIZE, 3], -1, 1) as tf.Tensor4D;
    const mask = tf.zeros([4, SIZE, SIZE]) as tf.Tensor3D;
    const masked = maskImage(images, mask);
    const junk = tf.tidy(() =>
      tf.add(
        enc.local,
        tf.mul(
          tf.randomNormal(enc.local.shape, 0, 100),
          tf.sub(1, tf.expandDims(enc.localMask, 2)),
        ),
      ),
    ) as tf.Tensor3D;
    const a = model.decoder!.forward(masked, enc.local, enc.localMask);
    const b = model.decoder!.forward(masked, junk, enc.localMask);
    const [va, vb] = [await a.data(), await b.data()];
    expect(Math.max(...Array.from(va).map((v, i) => Math.abs(v - vb[i])))).toBeLessThan(1e-5);
    // Sanity: the mask leaves real tokens in use (4 real of 6 per graph here: 1 relation + 3 in-image).
    expect(Array.from(await enc.localMask.data()).slice(0, 6)).toEqual([1, 1, 1, 0, 0, 0]);
    tf.dispose([enc.local, enc.localMask, enc.global, images, mask, masked, junk, a, b]);
    model.dispose();
  });

  it('leaks no tensors per step, and overfits a handful of examples', async () => {
    const model = new MaskedContrastiveModel(tinyConfig());
    const optimizer = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
    const rng = new Rng(11);
    const batch = toyBatch();
    const losses: number[] = [];
    let counts: number[] = [];
    for (let step = 0; step < 40; step++) {
      const r = await pretrainStep(model, optimizer, batch, vocab, rng);
      losses.push(r.loss);
      counts.push(tf.memory().numTensors);
      expect(r.loss).toBeCloseTo(r.contrastive + r.masked, 4);
    }
    counts = counts.slice(1);
    expect(new Set(counts).size).toBe(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    expect(last).toBeLessThan(0.5 * first);
    optimizer.dispose();
    model.dispose();
  });

  it("keeps the encoder usable on its own (its weights are the pretrained model's)", () => {
    const model = new MaskedContrastiveModel(tinyConfig());
    const names = [...model.parameters().keys()];
    expect(names.filter((n) => n.startsWith('encoder.')).length).toBe(
      model.encoder.parameters().size,
    );
    const standalone = new SceneGraphEncoder(model.config.encoder);
    standalone.loadWeights(new Map([...model.encoder.parameters()]));
    standalone.dispose();
    model.dispose();
  });
});
