import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { packGraphs, parseSceneGraphText } from '@sgdiff/scene-graph';
import { imagesToTensor } from '../images/convert.js';
import { tinyModel } from '../testing/tiny-model.js';
import { LatentDiffusionTrainer, DEFAULT_LDM_TRAINING, estimateLatentScale } from './trainer.js';

/** max |a − b|, disposing what it makes. */
function maxAbsDiff(a: tf.Tensor, b: tf.Tensor | number[] | number[][]): number {
  return tf.tidy(
    () =>
      tf.max(tf.abs(tf.sub(a, b instanceof tf.Tensor ? b : tf.tensor(b)))).arraySync() as number,
  );
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

describe('LatentDiffusionTrainer', () => {
  it('trains the denoiser only, updates the EMA, and leaks nothing per step', async () => {
    const m = tinyModel();
    const trainer = new LatentDiffusionTrainer(
      { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
      {
        denoiser: m.manifest.parts.unet.config,
        diffusion: { schedule: m.manifest.schedule },
        training: { ...DEFAULT_LDM_TRAINING, lr: 1e-3, warmupSteps: 1, totalSteps: 20 },
      },
    );
    const graphs = ['red circle left of blue square', 'sky above grass'].map((t) =>
      parseSceneGraphText(t, m.vocab),
    );
    const batch = {
      images: new Uint8Array(2 * 16 * 16 * 3).map((_, i) => (i * 37) % 256),
      packed: packGraphs(graphs, m.vocab),
    };
    const encBefore = Array.from(m.encoder.parameters().get('objectEmbedding.weight')!.dataSync());
    const aeBefore = Array.from(
      m.autoencoder.parameters().get('encoder.convIn.weight')!.dataSync(),
    );
    const first = await trainer.step(batch, 16, 1);
    const tensors = tf.memory().numTensors;
    const losses = [first.loss];
    for (let s = 2; s <= 6; s++) losses.push((await trainer.step(batch, 16, s)).loss);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(trainer.optimizer.step).toBe(6);
    expect(trainer.ema.updates).toBe(6);
    // Frozen parts stay frozen.
    expect(Array.from(m.encoder.parameters().get('objectEmbedding.weight')!.dataSync())).toEqual(
      encBefore,
    );
    expect(Array.from(m.autoencoder.parameters().get('encoder.convIn.weight')!.dataSync())).toEqual(
      aeBefore,
    );
  });

  it('trains the encoder too with trainEncoder: the same denoiser update, and the encoder moves', async () => {
    // Two copies of one tiny model; clipping off, so the joint step's larger gradient norm does
    // not rescale the denoiser's update.
    const frozen = tinyModel();
    const joint = tinyModel();
    // No weight decay: the encoder moves only if the loss's gradient reaches it.
    const training = {
      ...DEFAULT_LDM_TRAINING,
      lr: 1e-3,
      warmupSteps: 1,
      clipNorm: 1e9,
      weightDecay: 0,
    };
    const mk = (m: ReturnType<typeof tinyModel>, extra: object) =>
      new LatentDiffusionTrainer(
        { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
        {
          denoiser: m.manifest.parts.unet.config,
          diffusion: { schedule: m.manifest.schedule },
          training: { ...training, ...extra },
        },
      );
    const a = mk(frozen, {});
    const b = mk(joint, { trainEncoder: true });
    // The zero-initialised output layers given weights, so that the context reaches the loss.
    tf.tidy(() => {
      for (const [n, v] of a.denoiser.parameters())
        if (/outConv|conv2|projOut/.test(n))
          v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 7));
    });
    b.denoiser.loadWeights(a.denoiser.parameters());
    b.ema.load(a.denoiser.parameters(), 0);
    const graphs = ['red circle left of blue square', 'sky above grass'].map((t) =>
      parseSceneGraphText(t, frozen.vocab),
    );
    const batch = {
      images: new Uint8Array(2 * 16 * 16 * 3).map((_, i) => (i * 41) % 256),
      packed: packGraphs(graphs, frozen.vocab),
    };
    const name = 'objectEmbedding.weight';
    const encBefore = joint.encoder.parameters().get(name)!.arraySync();
    const ra = await a.step(batch, 16, 3);
    const rb = await b.step(batch, 16, 3);
    expect(rb.loss).toBe(ra.loss); // the same forward
    expect(rb.gradNorm).toBeGreaterThan(ra.gradNorm); // plus the encoder's gradient
    for (const [n, v] of a.denoiser.parameters())
      expect(maxAbsDiff(b.denoiser.parameters().get(n)!, v)).toBeLessThan(1e-7);
    expect(
      maxAbsDiff(joint.encoder.parameters().get(name)!, encBefore as number[][]),
    ).toBeGreaterThan(1e-5);
    expect(b.encoderEma?.updates).toBe(1);
    expect(a.encoderEma).toBeUndefined();
    // The optimiser holds the encoder under its own prefix; a step leaks nothing.
    const tensors = tf.memory().numTensors;
    await b.step(batch, 16, 4);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => mk(frozen, { encoderLrScale: 0.5 })).toThrow(/does not train/);
    expect(
      () =>
        new LatentDiffusionTrainer(
          {
            encoder: { forward: frozen.encoder.forward.bind(frozen.encoder) },
            autoencoder: frozen.autoencoder,
            latentScale: 1,
          },
          {
            denoiser: frozen.manifest.parts.unet.config,
            diffusion: { schedule: frozen.manifest.schedule },
            training: { ...training, trainEncoder: true },
          },
        ),
    ).toThrow(/not a Module/);
  });

  it('scales the encoder learning rate alone with encoderLrScale (0: frozen in place)', async () => {
    const m = tinyModel();
    const trainer = new LatentDiffusionTrainer(
      { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
      {
        denoiser: m.manifest.parts.unet.config,
        diffusion: { schedule: m.manifest.schedule },
        training: {
          ...DEFAULT_LDM_TRAINING,
          warmupSteps: 1,
          trainEncoder: true,
          encoderLrScale: 0,
        },
      },
    );
    const batch = {
      images: new Uint8Array(16 * 16 * 3).fill(90),
      packed: packGraphs([parseSceneGraphText('red circle above grass', m.vocab)], m.vocab),
    };
    const before = new Map([...m.encoder.parameters()].map(([n, v]) => [n, v.arraySync()]));
    const unetBefore = m.denoiser.parameters().size;
    const r = await trainer.step(batch, 16, 1);
    expect(Number.isFinite(r.loss)).toBe(true);
    for (const [n, v] of m.encoder.parameters())
      expect(maxAbsDiff(v, before.get(n) as number[])).toBe(0);
    expect(unetBefore).toBeGreaterThan(0);
  });

  it('draws the same batch randomness for the same step seed', async () => {
    const m = tinyModel();
    const mk = () =>
      new LatentDiffusionTrainer(
        { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
        {
          denoiser: m.manifest.parts.unet.config,
          diffusion: { schedule: m.manifest.schedule },
          training: DEFAULT_LDM_TRAINING,
        },
      );
    const a = mk();
    const b = mk();
    b.denoiser.loadWeights(a.denoiser.parameters());
    const graphs = [parseSceneGraphText('sky', m.vocab)];
    const batch = {
      images: new Uint8Array(16 * 16 * 3).fill(100),
      packed: packGraphs(graphs, m.vocab),
    };
    expect((await a.step(batch, 16, 42)).loss).toBe((await b.step(batch, 16, 42)).loss);
  });

  it('trains identically from pre-encoded moments and from images', async () => {
    const m = tinyModel();
    const mk = () =>
      new LatentDiffusionTrainer(
        { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 0.7 },
        {
          denoiser: m.manifest.parts.unet.config,
          diffusion: { schedule: m.manifest.schedule },
          training: DEFAULT_LDM_TRAINING,
        },
      );
    const a = mk();
    const b = mk();
    b.denoiser.loadWeights(a.denoiser.parameters());
    const graphs = ['red circle left of blue square', 'sky'].map((t) =>
      parseSceneGraphText(t, m.vocab),
    );
    const images = new Uint8Array(2 * 16 * 16 * 3).map((_, i) => (i * 53) % 256);
    const moments = tf.tidy(() => {
      const d = m.autoencoder.encode(imagesToTensor(images, 2, 16));
      return tf.concat([d.mean, d.logvar], 3);
    });
    const cached = {
      images: new Uint8Array(0),
      packed: packGraphs(graphs, m.vocab),
      moments: moments.dataSync() as Float32Array,
    };
    moments.dispose();
    const fromImages = await a.step({ images, packed: packGraphs(graphs, m.vocab) }, 16, 9);
    const fromMoments = await b.step(cached, 16, 9);
    expect(fromMoments.loss).toBeCloseTo(fromImages.loss, 6);
    expect(() => b.latentsFromMoments(new Float32Array(7), 2, 1)).toThrow(/not 2 square latents/);
  });

  it('validates with the loss a step would see, without training or leaking', async () => {
    const m = tinyModel();
    const trainer = new LatentDiffusionTrainer(
      { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
      {
        denoiser: m.manifest.parts.unet.config,
        diffusion: { schedule: m.manifest.schedule },
        training: { ...DEFAULT_LDM_TRAINING, condDropout: 0 },
      },
    );
    trainer.denoiser.loadWeights(m.denoiser.parameters()); // tinyModel's weights are seeded
    const graphs = ['red circle left of blue square', 'sky above grass'].map((t) =>
      parseSceneGraphText(t, m.vocab),
    );
    const batch = {
      images: new Uint8Array(2 * 16 * 16 * 3).map((_, i) => (i * 29) % 256),
      packed: packGraphs(graphs, m.vocab),
    };
    const v1 = await trainer.validationLoss(batch, 16, 5); // first call: lazily built constants
    const before = tf.memory().numTensors;
    expect(await trainer.validationLoss(batch, 16, 5)).toBe(v1);
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.optimizer.step).toBe(0);
    // With no condition dropout, a step on the same seed starts from exactly this loss.
    expect((await trainer.step(batch, 16, 5)).loss).toBeCloseTo(v1, 5);
    expect(await trainer.validationLoss(batch, 16, 5)).not.toBe(v1); // the step changed weights
    // Each image scored against the other graph's context: different once the context matters
    // (the zero-initialised output layers given weights, so that it does)...
    tf.tidy(() => {
      for (const [name, v] of trainer.denoiser.parameters())
        if (/outConv|conv2|projOut/.test(name))
          (v as tf.Variable).assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 7));
    });
    const shuffled = await trainer.validationLoss(batch, 16, 5, { shuffleGraphs: true });
    const swapped = { ...batch, packed: packGraphs([graphs[1], graphs[0]], m.vocab) };
    expect(shuffled).toBeCloseTo(await trainer.validationLoss(swapped, 16, 5), 6);
    const unshuffled = await trainer.validationLoss(batch, 16, 5);
    // Far above float rounding (the tiny model's weights are seeded, so this is the same draw
    // everywhere; an unseeded draw once made the two equal to the last bit).
    expect(Math.abs(shuffled - unshuffled)).toBeGreaterThan(1e-5 * unshuffled);
    // ...and exactly the same when the graphs are the same.
    const same = { ...batch, packed: packGraphs([graphs[0], graphs[0]], m.vocab) };
    expect(await trainer.validationLoss(same, 16, 5, { shuffleGraphs: true })).toBe(
      await trainer.validationLoss(same, 16, 5),
    );
  });
});

describe('LatentDiffusionTrainer new parts', () => {
  it('needs a label-token projection', () => {
    const m = tinyModel();
    const make = (labelDim?: number) =>
      new LatentDiffusionTrainer(
        { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
        {
          denoiser: {
            ...m.manifest.parts.unet.config,
            context: { ...m.manifest.parts.unet.config.context, labelDim },
          },
          diffusion: { schedule: m.manifest.schedule },
          training: { ...DEFAULT_LDM_TRAINING, labelLrScale: 10 },
        },
      );
    expect(() => make()).toThrow(/labelLrScale: the denoiser has no label-token projection/);
    const ok = make(3 * m.encoder.config.dim);
    expect(ok.optimizer.config.lrScale?.('graphContext.labelProj.weight')).toBe(10);
    expect(ok.optimizer.config.lrScale?.('unet.convIn.weight')).toBe(1);
    ok.denoiser.dispose();
    ok.optimizer.dispose();
  });
  it('trains the layout input from the boxes of the batch, at its own learning rate', async () => {
    const m = tinyModel({ layout: true });
    const make = (layoutLrScale?: number) =>
      new LatentDiffusionTrainer(
        { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
        {
          denoiser: m.manifest.parts.unet.config,
          diffusion: { schedule: m.manifest.schedule },
          training: {
            ...DEFAULT_LDM_TRAINING,
            lr: 1e-3,
            warmupSteps: 1,
            totalSteps: 20,
            condDropout: 0,
            ...(layoutLrScale ? { layoutLrScale } : {}),
          },
        },
      );
    const graphs = ['red circle left of blue square', 'sky above grass'].map((t) =>
      parseSceneGraphText(t, m.vocab),
    );
    graphs.forEach((g) =>
      g.objects.forEach((o, i) => (o.box = [0.1 + 0.4 * i, 0.2, 0.4 + 0.4 * i, 0.6])),
    );
    const batch = {
      images: new Uint8Array(2 * 16 * 16 * 3).map((_, i) => (i * 31) % 256),
      packed: packGraphs(graphs, m.vocab),
    };
    const moved = async (scale?: number) => {
      const trainer = make(scale);
      const conv = trainer.denoiser.parameters().get('unet.layoutConv.weight')!;
      expect(tf.max(tf.abs(conv)).dataSync()[0]).toBe(0);
      await trainer.step(batch, 16, 1);
      await trainer.step(batch, 16, 2);
      const size = tf.max(tf.abs(conv)).dataSync()[0];
      trainer.denoiser.dispose();
      return size;
    };
    const plain = await moved();
    const scaled = await moved(10);
    expect(plain).toBeGreaterThan(0);
    // AdamW steps scale with the learning rate: about 10× from the same gradients.
    expect(scaled / plain).toBeGreaterThan(5);
    expect(
      () =>
        new LatentDiffusionTrainer(
          { encoder: m.encoder, autoencoder: m.autoencoder, latentScale: 1 },
          {
            denoiser: tinyModel().manifest.parts.unet.config,
            diffusion: {},
            training: { ...DEFAULT_LDM_TRAINING, layoutLrScale: 2 },
          },
        ),
    ).toThrow(/no layout input/);
  });
});

describe('fine-tuning and the latent scale', () => {
  it('initFrom loads a model without layout input into one with it, the new parts left fresh', () => {
    const plain = tinyModel();
    const withLayout = tinyModel({ layout: true });
    const make = (denoiser: typeof plain.manifest.parts.unet.config) =>
      new LatentDiffusionTrainer(
        { encoder: plain.encoder, autoencoder: plain.autoencoder, latentScale: 1 },
        { denoiser, diffusion: {}, training: DEFAULT_LDM_TRAINING },
      );
    const source = make(plain.manifest.parts.unet.config);
    const target = make(withLayout.manifest.parts.unet.config);
    const before = tf.memory().numTensors;
    target.initFrom(source.denoiser.parameters());
    expect(tf.memory().numTensors).toBe(before);
    const src = source.denoiser.parameters();
    for (const [name, v] of target.denoiser.parameters()) {
      if (src.has(name))
        expect(Array.from(v.dataSync())).toEqual(Array.from(src.get(name)!.dataSync()));
    }
    // The layout conv feeds the UNet: it stays zero, so the loaded model starts unchanged.
    expect(
      tf.max(tf.abs(target.denoiser.parameters().get('unet.layoutConv.weight')!)).dataSync()[0],
    ).toBe(0);
    // A weight the model needs and the source lacks is an error.
    const partial = new Map(src);
    partial.delete([...src.keys()].find((n) => n.startsWith('unet.'))!);
    expect(() => make(plain.manifest.parts.unet.config).initFrom(partial)).toThrow(
      /missing weight/,
    );
    for (const t of [source, target]) t.denoiser.dispose();
  });

  it('estimateLatentScale is 1/σ of the latent sample (a JS reference over the same sample)', async () => {
    const m = tinyModel();
    const images = new Uint8Array(4 * 16 * 16 * 3).map((_, i) => (i * 53) % 256);
    const before = tf.memory().numTensors;
    const scale = await estimateLatentScale(m.autoencoder, images, 4, 16);
    expect(tf.memory().numTensors).toBe(before);
    const z = tf.tidy(() =>
      m.autoencoder.sample(m.autoencoder.encode(imagesToTensor(images, 4, 16)), 1),
    );
    const values = Array.from(z.dataSync());
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
    z.dispose();
    expect(scale).toBeCloseTo(1 / Math.sqrt(variance), 4);
  });
});
