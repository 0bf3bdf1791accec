// One tfjs-wasm process of bench-cpu.mjs: the thread count is fixed per process, so the parent
// starts one of these per configuration and interleaves them. Prints one JSON line per measure.
//   node apps/cli/scripts/bench-cpu-child.mjs --threads N --what ref,unet,train,sample [--iters K]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AdamW, Conv2d, GroupNorm, Module, initBackend, tf, trainStep } from '@sgdiff/nn/node';
import { Denoiser, loadPipeline } from '@sgdiff/diffusion/node';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    what: { type: 'string', default: 'ref,unet,train,sample' },
    iters: { type: 'string', default: '3' },
    model: { type: 'string', default: 'models/default' },
  },
});
const threads = values.threads === 'auto' ? 'auto' : Number(values.threads);
const iters = Number(values.iters);
const what = new Set(values.what.split(','));
const info = await initBackend({ backend: 'wasm', threads, log: false });
// A checkout from before `threads` existed (bench-cpu.mjs --baseline) runs one thread.
const got = info.threads ?? 1;
if (threads !== 'auto' && got !== threads)
  throw new Error(`asked for ${threads} threads, got ${got}`);
const emit = (o) =>
  process.stdout.write(
    JSON.stringify({ runtime: 'tfjs-wasm', threads: got, asked: threads, ...o }) + '\n',
  );

async function median(fn, n = iters) {
  await fn(); // warm-up
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

// docs/toolchain.md's reference block (as packages/nn/bench/reference-model.ts).
class ResBlock extends Module {
  constructor(c) {
    super();
    this.norm1 = new GroupNorm(32, c);
    this.conv1 = new Conv2d(c, c, { bias: false });
    this.norm2 = new GroupNorm(32, c);
    this.conv2 = new Conv2d(c, c, { bias: false });
  }
  forward(h) {
    return tf.tidy(() => {
      const a = this.conv1.forward(this.norm1.forward(h, { silu: true }));
      return tf.add(h, this.conv2.forward(this.norm2.forward(a, { silu: true })));
    });
  }
}
class ReferenceBlock extends Module {
  constructor(c) {
    super();
    this.blocks = [0, 1, 2, 3].map(() => new ResBlock(c));
  }
  forward(x) {
    return tf.tidy(() => this.blocks.reduce((h, b) => b.forward(h), x));
  }
}

async function forwardMs(model, x) {
  return median(async () => {
    const y = tf.tidy(() => model(x));
    await y.data();
    y.dispose();
  });
}

if (what.has('ref')) {
  for (const batch of [1, 8]) {
    const model = new ReferenceBlock(128);
    const opt = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0 });
    const x = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 1);
    const target = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 2);
    const f = await forwardMs((v) => model.forward(v), x);
    const s = await median(() =>
      trainStep(model, opt, () => tf.losses.meanSquaredError(target, model.forward(x))),
    );
    emit({ model: 'reference-block', batch, forwardMs: f, trainStepMs: s });
    tf.dispose([x, target]);
    model.dispose();
    opt.dispose();
  }
}

const manifest = JSON.parse(readFileSync(`${values.model}/sgdiff.json`, 'utf8'));
const [lh, lw, lc] = manifest.latentShape;
function unetInputs(denoiser, batch, seed) {
  const cfg = denoiser.config.unet;
  const cond = denoiser.nullCondition(batch);
  return {
    x: tf.randomNormal([batch, lh, lw, lc], 0, 1, 'float32', seed),
    t: tf.tensor1d(
      Array.from({ length: batch }, (_, i) => (i * 37) % 1000),
      'int32',
    ),
    cond: {
      ...cond,
      ...(cfg.layoutChannels
        ? { layout: tf.randomUniform([batch, lh, lw, cfg.layoutChannels], 0, 1, 'float32', seed) }
        : {}),
    },
  };
}
const dispose = (i) =>
  tf.dispose([i.x, i.t, i.cond.context, i.cond.mask, i.cond.layout].filter(Boolean));

if (what.has('unet') || what.has('train')) {
  const denoiser = new Denoiser(manifest.parts.unet.config);
  denoiser.eval?.();
  if (what.has('unet')) {
    for (const batch of [1, 16]) {
      const inp = unetInputs(denoiser, batch, 3);
      const f = await forwardMs(() => denoiser.eps(inp.x, inp.t, inp.cond), null);
      emit({ model: 'default-unet', batch, forwardMs: f });
      dispose(inp);
    }
  }
  if (what.has('train')) {
    // One diffusion training step at batch 24: ε-prediction MSE, AdamW (as the trainer).
    denoiser.train?.();
    const batch = 24;
    const opt = new AdamW(denoiser.parameters(), { lr: 1e-4 });
    const inp = unetInputs(denoiser, batch, 4);
    const noise = tf.randomNormal([batch, lh, lw, lc], 0, 1, 'float32', 5);
    const s = await median(() =>
      trainStep(denoiser, opt, () =>
        tf.losses.meanSquaredError(noise, denoiser.eps(inp.x, inp.t, inp.cond)),
      ),
    );
    emit({ model: 'default-unet', batch, trainStepMs: s, imagesPerS: (batch * 1000) / s });
    dispose(inp);
    noise.dispose();
    opt.dispose();
  }
  denoiser.dispose();
}

if (what.has('sample')) {
  // The committed model, DPM-Solver++(2M) 20 steps at its default guidance: 8 images at batch 1
  // (as `sample --n 8` drew them before --batch) and at batch 8.
  const pipe = await loadPipeline(values.model);
  const graph =
    'red circle left of blue square; blue square above grass; yellow triangle inside sky';
  await pipe.generate(graph, { steps: 2 }); // warm-up
  for (const batch of [1, 8]) {
    const ms = await median(async () => {
      for (let k = 0; k < 8; k += batch)
        await pipe.generate(Array(batch).fill(graph), { sampler: 'dpmpp-2m', steps: 20, seed: k });
    }, 1);
    emit({ model: 'sampling-dpmpp20', batch, msPerImage: ms / 8 });
  }
}
