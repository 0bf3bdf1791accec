import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { relationFromBoxes, SceneGraphError, type Box } from '@sgdiff/scene-graph';
import { loadPipeline, writeModelDirectory } from '../node/model-dir.js';
import { tinyModel } from '../testing/tiny-model.js';
import { MODEL_MANIFEST, ModelError } from './manifest.js';
import { samplingTimesteps } from '../samplers/index.js';
import { keepUntouchedBoxes, SGDiffPipeline, unchangedFraction } from './pipeline.js';

let dir: string;
let pipe: SGDiffPipeline;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
  const m = tinyModel();
  dir = join(mkdtempSync(join(tmpdir(), 'sgdiff-model-')), 'model');
  await writeModelDirectory(dir, m.manifest, {
    encoder: m.encoder,
    autoencoder: m.autoencoder,
    unet: m.denoiser,
  });
  pipe = await loadPipeline(dir);
  // The loaded UNet must equal the saved one (zero-initialised outputs would hide a mix-up).
  expect(Array.from(pipe.denoiser.parameters().get('unet.inputConv.weight')!.dataSync())).toEqual(
    Array.from(m.denoiser.parameters().get('unet.inputConv.weight')!.dataSync()),
  );
  // Non-zero output layers, so images depend on the graph and the noise.
  for (const [name, v] of pipe.denoiser.parameters()) {
    if (/outConv|conv2|projOut/.test(name))
      v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', 3));
  }
});

const graph = 'red circle left of blue square; blue square above grass';

describe('SGDiffPipeline', () => {
  it('generates RGBA images of the model size, deterministic per seed', async () => {
    const a = await pipe.generate(graph, { seed: 7 });
    const b = await pipe.generate(graph, { seed: 7 });
    const c = await pipe.generate(graph, { seed: 8 });
    expect(a.images[0].rgba.length).toBe(16 * 16 * 4);
    expect(a.latentShape).toEqual([1, 8, 8, 4]);
    expect(Array.from(a.images[0].rgba)).toEqual(Array.from(b.images[0].rgba));
    expect(Array.from(a.latents)).not.toEqual(Array.from(c.latents));
    expect(a.images[0].rgba.filter((_, i) => i % 4 === 3).every((v) => v === 255)).toBe(true);
  });

  it('makes image i of a batch the same as a single generation with seed + i', async () => {
    const batch = await pipe.generate([graph, 'sky; yellow circle inside sky'], { seed: 3 });
    const single = await pipe.generate('sky; yellow circle inside sky', { seed: 4 });
    const per = 8 * 8 * 4;
    const got = batch.latents.subarray(per, 2 * per);
    single.latents.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  });

  it('depends on the graph through guidance', async () => {
    const a = await pipe.generate(graph, { seed: 1, guidance: 3 });
    const b = await pipe.generate('white triangle below sky', { seed: 1, guidance: 3 });
    expect(Array.from(a.latents)).not.toEqual(Array.from(b.latents));
  });

  it('relation guidance contrasts the graph with its relations inverted', async () => {
    const plain = await pipe.generate(graph, { seed: 1, steps: 4 });
    const before = tf.memory().numTensors;
    const guided = await pipe.generate(graph, { seed: 1, steps: 4, relationGuidance: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(guided.latents)).not.toEqual(Array.from(plain.latents));
    // Without relations the inverted graph is the graph, so the added term is zero.
    const lone = 'red circle; blue square';
    const a = await pipe.generate(lone, { seed: 1, steps: 4 });
    const b = await pipe.generate(lone, { seed: 1, steps: 4, relationGuidance: 5 });
    b.latents.forEach((v, i) => expect(v).toBeCloseTo(a.latents[i], 4));
    await expect(pipe.generate(graph, { relationGuidance: -1 })).rejects.toThrow(
      /relation guidance must be ≥ 0, got -1/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('late guidance changes only the steps below its switch', async () => {
    const opts = { seed: 1, steps: 4, sampler: 'ddim' as const, guidance: 2 };
    const plain = await pipe.generate(graph, opts);
    // DDIM-4 of 100 visits t = 99, 74, 49, 24: a switch at 30 touches only the last step.
    expect(samplingTimesteps(pipe.schedule, 4)).toEqual([99, 74, 49, 24]);
    const same = await pipe.generate(graph, { ...opts, lateGuidance: { below: 60, scale: 2 } });
    same.latents.forEach((v, i) => expect(v).toBeCloseTo(plain.latents[i], 4));
    const last = await pipe.generate(graph, { ...opts, lateGuidance: { below: 30, scale: 6 } });
    const most = await pipe.generate(graph, { ...opts, lateGuidance: { below: 60, scale: 6 } });
    const dist = (a: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - plain.latents[i]), 0);
    expect(dist(last.latents)).toBeGreaterThan(0);
    expect(dist(most.latents)).toBeGreaterThan(dist(last.latents));

    // The model's late scale goes with its default guidance, not with one the caller gives.
    const { manifest: m } = pipe;
    const lateDefault = new SGDiffPipeline(
      { ...m, defaults: { ...m.defaults, guidance: 2, lateGuidance: { below: 60, scale: 6 } } },
      pipe.vocab,
      pipe.encoder,
      pipe.autoencoder,
      pipe.denoiser,
    );
    const { guidance: _, ...byDefault } = opts;
    expect((await lateDefault.generate(graph, byDefault)).latents).toEqual(most.latents);
    expect((await lateDefault.generate(graph, opts)).latents).toEqual(plain.latents);
  });

  it('reports every sampler step and can be cancelled', async () => {
    const seen: number[] = [];
    await pipe.generate(graph, {
      seed: 1,
      steps: 5,
      sampler: 'dpmpp-2m',
      onStep: (s) => void seen.push(s.i),
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const ctl = new AbortController();
    const before = tf.memory().numTensors;
    await expect(
      pipe.generate(graph, {
        seed: 1,
        onStep: (s) => (s.i === 1 ? ctl.abort(new Error('stop')) : undefined),
        signal: ctl.signal,
      }),
    ).rejects.toThrow('stop');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks no tensors per generation', async () => {
    await pipe.generate(graph, { seed: 1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await pipe.generate(graph, { seed: i });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects graphs outside the model’s vocabulary or size, naming the problem', async () => {
    await expect(pipe.generate('red circle left of dragon')).rejects.toThrow(SceneGraphError);
    const many = Array.from({ length: 9 }, (_, i) => `red circle #${i + 1}`).join('; ');
    await expect(pipe.generate(many)).rejects.toThrow(/9 objects, more than the maximum of 8/);
  });

  it('edits with the same seed and measures what stayed outside the touched boxes', async () => {
    const g0 = {
      objects: [
        { id: 'a', label: 'red circle', box: [0, 0, 0.5, 0.5] as [number, number, number, number] },
        { id: 'b', label: 'sky', box: [0, 0, 1, 1] as [number, number, number, number] },
      ],
      relations: [{ subject: 'a', predicate: 'inside', object: 'b' }],
    };
    const g1 = { ...g0, objects: [{ ...g0.objects[0], label: 'blue circle' }, g0.objects[1]] };
    const r = await pipe.edit(g0, g1, { seed: 2, touched: ['a'] });
    expect(r.before.seed).toBe(2);
    expect(r.unchangedOutside).toBeGreaterThanOrEqual(0);
    expect(r.unchangedOutside).toBeLessThanOrEqual(1);
    expect(unchangedFraction(r.before, r.before, [[0, 0, 0.5, 0.5]])).toBe(1);
  });

  it('DDIM-inverts an image into starting noise', async () => {
    // The inversion itself is checked on analytic data (samplers/ddim-inversion.test.ts); with
    // random weights here, only the plumbing is: shape, determinism, and that it drives generate.
    const drawn = (await pipe.generate(graph, { seed: 11, sampler: 'ddim', steps: 4 })).images[0];
    const before = tf.memory().numTensors;
    const noise = await pipe.invert(drawn, graph, { steps: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(noise.length).toBe(8 * 8 * 4);
    expect(noise.every(Number.isFinite)).toBe(true);
    expect(Array.from(await pipe.invert(drawn, graph, { steps: 4 }))).toEqual(Array.from(noise));
    const again = await pipe.generate(graph, { noise, sampler: 'ddim', steps: 4 });
    expect(again.latentShape).toEqual([1, 8, 8, 4]);
    await expect(pipe.generate(graph, { noise: noise.subarray(1) })).rejects.toThrow(
      /expected 1×8×8×4/,
    );
    await expect(pipe.invert({ ...drawn, width: 8 }, graph)).rejects.toThrow(
      /this model works at 16×16/,
    );
  });

  it("reconstructs images through the autoencoder's posterior mean", async () => {
    const drawn = (await pipe.generate([graph, 'sky above sand'], { seed: 3, steps: 2 })).images;
    const before = tf.memory().numTensors;
    const rec = await pipe.reconstruct(drawn);
    expect(tf.memory().numTensors).toBe(before);
    expect(rec.map((r) => r.length)).toEqual([16 * 16 * 4, 16 * 16 * 4]);
    // The same as decoding the unscaled posterior mean by hand, image by image.
    const direct = tf.tidy(() => {
      const rgb = drawn[1].rgba.filter((_, i) => i % 4 !== 3);
      const x = tf.sub(tf.div(tf.tensor4d(Float32Array.from(rgb), [1, 16, 16, 3]), 127.5), 1);
      const y = pipe.autoencoder.decode(pipe.autoencoder.encode(x as tf.Tensor4D).mean);
      return tf.round(tf.mul(tf.add(tf.clipByValue(y, -1, 1), 1), 127.5));
    });
    const want = direct.dataSync();
    direct.dispose();
    let worst = 0;
    for (let p = 0; p < 16 * 16; p++)
      for (let c = 0; c < 3; c++)
        worst = Math.max(worst, Math.abs(rec[1][4 * p + c] - want[3 * p + c]));
    expect(worst).toBeLessThanOrEqual(1);
    expect(rec[1].filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    await expect(pipe.reconstruct([{ ...drawn[0], width: 8 }])).rejects.toThrow(
      /this model works at 16×16/,
    );
  });

  it('loads the same directory over HTTP with fetch', async () => {
    const server: Server = createServer((req, res) => {
      try {
        const body = readFileSync(join(dir, decodeURIComponent(req.url!.split('?')[0])));
        res.writeHead(200, {
          'content-type':
            extname(req.url!) === '.json' ? 'application/json' : 'application/octet-stream',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const web = await SGDiffPipeline.load(`http://127.0.0.1:${port}`);
      const w = web.denoiser.parameters().get('unet.timeEmbed1.weight')!;
      expect(Array.from(w.dataSync())).toEqual(
        Array.from(pipe.denoiser.parameters().get('unet.timeEmbed1.weight')!.dataSync()),
      );
      web.dispose();
    } finally {
      server.close();
    }
  });

  it('explains a missing or broken model directory', async () => {
    await expect(loadPipeline(join(dir, 'nope'))).rejects.toThrow(
      /sgdiff\.json: cannot read the model manifest/,
    );
    const broken = mkdtempSync(join(tmpdir(), 'sgdiff-broken-'));
    writeFileSync(
      join(broken, MODEL_MANIFEST),
      JSON.stringify({ format: 'sgdiff-model', formatVersion: 1 }),
    );
    await expect(loadPipeline(broken)).rejects.toThrow(ModelError);
    await expect(loadPipeline(broken)).rejects.toThrow(/not a valid sgdiff\.json \(vocabulary/);
    rmSync(broken, { recursive: true });
  });

  it('refuses a denoiser whose label tokens do not fit the encoder', async () => {
    const m = JSON.parse(readFileSync(join(dir, MODEL_MANIFEST), 'utf8'));
    m.parts.unet.config.context.labelDim = 7;
    const odd = mkdtempSync(join(tmpdir(), 'sgdiff-label-'));
    writeFileSync(join(odd, MODEL_MANIFEST), JSON.stringify(m));
    const dim = m.parts.encoder.config.dim;
    await expect(loadPipeline(odd)).rejects.toThrow(
      `the denoiser reads label tokens of width 7, the encoder's are ${3 * dim}`,
    );
    rmSync(odd, { recursive: true });
  });
});

describe('SGDiffPipeline with layout input', () => {
  let layoutPipe: SGDiffPipeline;
  let layoutDir: string;

  beforeAll(async () => {
    const m = tinyModel({ layout: true, seed: 5 });
    layoutDir = join(mkdtempSync(join(tmpdir(), 'sgdiff-layout-')), 'model');
    for (const [name, v] of m.denoiser.parameters())
      if (/outConv|conv2|projOut|layoutConv/.test(name))
        v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', 4));
    await writeModelDirectory(layoutDir, m.manifest, {
      encoder: m.encoder,
      autoencoder: m.autoencoder,
      unet: m.denoiser,
    });
    layoutPipe = await loadPipeline(layoutDir);
  });

  afterAll(() => rmSync(join(layoutDir, '..'), { recursive: true, force: true }));

  it('draws boxes that satisfy the relations, keeps given ones, and reports them', async () => {
    const g = layoutPipe.parseGraph('sky; red circle left of blue square; blue square above grass');
    g.objects[1].box = [0.05, 0.3, 0.3, 0.55];
    const before = tf.memory().numTensors;
    const r = await layoutPipe.generate(g, { seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const laid = r.layouts![0];
    expect(laid.objects[1].box).toEqual([0.05, 0.3, 0.3, 0.55]);
    const box = (id: string) => laid.objects.find((o) => o.id === id)!.box!;
    for (const rel of laid.relations)
      expect(relationFromBoxes(box(rel.subject), box(rel.object))).toBe(rel.predicate);
    // The boxes are drawn per graph from seed + i, like the noise.
    const batch = await layoutPipe.generate([graph, g], { seed: 1 });
    expect(batch.layouts![1]).toEqual(laid);
    const per = 8 * 8 * 4;
    batch.latents.subarray(per, 2 * per).forEach((v, i) => expect(v).toBeCloseTo(r.latents[i], 4));
  });

  it('depends on the boxes: moving one changes the image', async () => {
    const g = layoutPipe.parseGraph('red circle; blue square');
    g.objects[0].box = [0.1, 0.1, 0.3, 0.3];
    g.objects[1].box = [0.6, 0.6, 0.9, 0.9];
    const a = await layoutPipe.generate(g, { seed: 3 });
    const moved = structuredClone(g);
    moved.objects[0].box = [0.6, 0.1, 0.8, 0.3];
    const b = await layoutPipe.generate(moved, { seed: 3 });
    const diff = a.latents.reduce((s, v, i) => s + Math.abs(v - b.latents[i]), 0);
    expect(diff / a.latents.length).toBeGreaterThan(1e-3);
  });

  it('edits keep the boxes of the objects the edit left alone', async () => {
    const g = 'red circle left of blue square; green triangle below red circle; sky';
    const edited = 'red circle right of blue square; green triangle below red circle; sky';
    const r = await layoutPipe.edit(g, edited, { seed: 4 });
    const [before, after] = r.layouts!;
    const box = (x: typeof before, label: string) => x.objects.find((o) => o.label === label)!.box;
    expect(box(after, 'sky')).toEqual(box(before, 'sky'));
    expect(box(after, 'green triangle')).toEqual(box(before, 'green triangle'));
    const at = (x: typeof before, label: string) => box(x, label)!;
    expect(relationFromBoxes(at(after, 'red circle'), at(after, 'blue square'))).toBe('right of');
  });

  it('inverts under the layout that generate draws with the same seed', async () => {
    const g = 'red circle left of blue square; sky';
    const drawn = (await layoutPipe.generate(g, { seed: 6, steps: 3 })).images[0];
    const laid = (await layoutPipe.generate(g, { seed: 6, steps: 3 })).layouts![0];
    const bySeed = await layoutPipe.invert(drawn, g, { steps: 3, seed: 6 });
    expect(Array.from(await layoutPipe.invert(drawn, laid, { steps: 3 }))).toEqual(
      Array.from(bySeed),
    );
    const otherLayout = await layoutPipe.invert(drawn, g, { steps: 3, seed: 7 });
    expect(Array.from(otherLayout)).not.toEqual(Array.from(bySeed));
  });

  it('refuses a manifest whose layout prior is malformed', async () => {
    const path = join(layoutDir, MODEL_MANIFEST);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const saved = JSON.stringify(json);
    json.parts.unet.config.layout.prior.thingSize = [0.5, 0.1];
    writeFileSync(path, JSON.stringify(json));
    try {
      await expect(loadPipeline(layoutDir)).rejects.toThrow(
        /parts\.unet\.config\.layout\.prior: thingSize|min ≤ max/,
      );
    } finally {
      writeFileSync(path, saved);
    }
  });
});

describe('keepUntouchedBoxes', () => {
  const laid = {
    objects: [
      { id: 'a', label: 'red circle', box: [0.1, 0.1, 0.3, 0.3] as Box },
      { id: 'b', label: 'blue square', box: [0.6, 0.1, 0.9, 0.4] as Box },
      { id: 'c', label: 'green triangle', box: [0.1, 0.6, 0.4, 0.9] as Box },
      { id: 'd', label: 'sky', box: [0, 0, 1, 1] as Box },
    ],
    relations: [
      { subject: 'a', predicate: 'left of', object: 'b' },
      { subject: 'c', predicate: 'below', object: 'a' },
    ],
  };
  const boxes = (g: { objects: { id: string; box?: Box }[] }) =>
    Object.fromEntries(g.objects.map((o) => [o.id, o.box]));

  it('re-places the ends of a changed relation, a relabelled object and touched ones', () => {
    const edited = structuredClone(laid) as typeof laid;
    edited.objects.forEach((o) => delete (o as { box?: Box }).box);
    edited.relations[0].predicate = 'right of';
    edited.objects[2].label = 'white triangle';
    const kept = boxes(keepUntouchedBoxes(laid, edited));
    expect(kept).toEqual({ a: undefined, b: undefined, c: undefined, d: [0, 0, 1, 1] });
    const none = structuredClone(edited);
    none.relations[0].predicate = 'left of';
    none.objects[2].label = 'green triangle';
    expect(boxes(keepUntouchedBoxes(laid, none))).toEqual(boxes(laid));
    expect(boxes(keepUntouchedBoxes(laid, none, ['d']))).toEqual({ ...boxes(laid), d: undefined });
  });

  it('keeps a box the edited graph gives, and gives none to a new object', () => {
    const edited = {
      objects: [
        { id: 'a', label: 'red circle', box: [0.5, 0.5, 0.7, 0.7] as Box },
        { id: 'e', label: 'yellow circle' },
      ],
      relations: [],
    };
    expect(boxes(keepUntouchedBoxes(laid, edited))).toEqual({
      a: [0.5, 0.5, 0.7, 0.7],
      e: undefined,
    });
  });
});
