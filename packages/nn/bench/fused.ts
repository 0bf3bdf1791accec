// Fused vs unfused WebGPU kernels on docs/toolchain.md's reference block (4 × [GN(32)+SiLU → conv3x3] ×2,
// residual, [B, 32, 32, 128], MSE, Adam lr 1e-4), both in the same run on the same device.
// For each mode it prints one JSON line: forward ms, train-step ms, and per step the GPU
// dispatches and tfjs kernel invocations, with the kernels that take the most time where the
// adapter has timestamp queries. On a software adapter (lavapipe) the times are CPU emulation.
// Modes: `stock` is tfjs-webgpu as shipped; `unfused` adds this package's kernel replacements
// (the conv filter gradient as a tiled conv); `fused` also turns on the fused GN/SiLU and AdamW.
// Run: npm run bench:fused -w @sgdiff/nn [-- --batches 1,32 --iters 10 --modes stock,unfused,fused]
//      (--size 16 --channels 64 makes a quick, smaller block for lavapipe; --convs off keeps
//      only the parts the fused kernels replace)
import {
  AdamW,
  Conv2d,
  GroupNorm,
  initBackend,
  Module,
  registerTrainingKernels,
  restoreStockKernels,
  setFusedWebGpuKernels,
  tf,
  trainStep,
} from '../src/node/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function print(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const r2 = (x: number) => Number(x.toFixed(2));
// --convs off drops the convolutions (their weights stay, without gradients): what is left is
// what the fused kernels replace (GN+SiLU forward/backward, AdamW on the GN parameters).
const CONVS = arg('convs') !== 'off';

class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  constructor(c: number) {
    super();
    this.norm1 = new GroupNorm(32, c);
    this.conv1 = new Conv2d(c, c, { bias: false });
    this.norm2 = new GroupNorm(32, c);
    this.conv2 = new Conv2d(c, c, { bias: false });
  }
  // h: [B, H, W, C]. GroupNorm's {silu: true} is silu(GN(h)); fused into one kernel on webgpu.
  forward(h: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const conv = (c: Conv2d, t: tf.Tensor) => (CONVS ? c.forward(t as tf.Tensor4D) : t);
      const a = conv(this.conv1, this.norm1.forward(h, { silu: true }));
      return tf.add(h, conv(this.conv2, this.norm2.forward(a, { silu: true }))) as tf.Tensor4D;
    });
  }
}

class ReferenceBlock extends Module {
  readonly blocks: ResBlock[];
  constructor(c: number) {
    super();
    this.blocks = [0, 1, 2, 3].map(() => new ResBlock(c));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((h, b) => b.forward(h), x));
  }
}

/** Counts GPU compute dispatches by wrapping GPUComputePassEncoder.dispatchWorkgroups. */
let dispatches = 0;
function countDispatches(): void {
  const proto = (globalThis as { GPUComputePassEncoder?: { prototype: Record<string, unknown> } })
    .GPUComputePassEncoder?.prototype;
  if (!proto || (proto.dispatchWorkgroups as { counted?: boolean }).counted) return;
  const original = proto.dispatchWorkgroups as (...a: unknown[]) => void;
  const wrapped = function (this: unknown, ...a: unknown[]) {
    dispatches++;
    return original.apply(this, a);
  };
  (wrapped as { counted?: boolean }).counted = true;
  proto.dispatchWorkgroups = wrapped;
}

interface Result {
  forwardMs: number;
  trainStepMs: number;
  dispatchesPerStep: number;
  dispatchesPerForward: number;
  kernelsPerStep: number;
  topKernels: { name: string; count: number; ms: number }[];
}

async function measure(
  batch: number,
  size: number,
  channels: number,
  iters: number,
): Promise<Result> {
  const model = new ReferenceBlock(channels);
  const opt = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0 });
  const x = tf.randomNormal([batch, size, size, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const target = tf.randomNormal([batch, size, size, channels], 0, 1, 'float32', 2) as tf.Tensor4D;
  const forward = async () => {
    const y = model.forward(x);
    await y.data(); // sync: the GPU runs asynchronously
    y.dispose();
  };
  const step = () =>
    trainStep(model, opt, () => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar);
  await forward(); // warm-up: pipelines compile on first use
  await step();
  // Counts (one untimed step each).
  let d0 = dispatches;
  await forward();
  const dispatchesPerForward = dispatches - d0;
  d0 = dispatches;
  await step();
  const dispatchesPerStep = dispatches - d0;
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const profile = await tf.profile(async () => {
    await step();
  });
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  const byName = new Map<string, { count: number; ms: number }>();
  for (const k of profile.kernels) {
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += Number(await k.kernelTimeMs) || 0;
    byName.set(k.name, e);
  }
  const topKernels = [...byName]
    .map(([name, e]) => ({ name, count: e.count, ms: r2(e.ms) }))
    .sort((a, b) => b.ms - a.ms || b.count - a.count)
    .slice(0, Number(arg('kernels') ?? 8));
  const f: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < iters; i++) {
    let t0 = performance.now();
    await forward();
    f.push(performance.now() - t0);
    t0 = performance.now();
    await step();
    s.push(performance.now() - t0);
  }
  tf.dispose([x, target]);
  model.dispose();
  opt.dispose();
  return {
    forwardMs: median(f),
    trainStepMs: median(s),
    dispatchesPerStep,
    dispatchesPerForward,
    kernelsPerStep: profile.kernels.length,
    topKernels,
  };
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'webgpu', log: false, allowSoftwareWebGpu: true });
  countDispatches();
  const size = Number(arg('size') ?? 32);
  const channels = Number(arg('channels') ?? 128);
  const batches = (arg('batches') ?? (info.softwareFallback ? '1' : '1,32')).split(',').map(Number);
  const iters = Number(arg('iters') ?? (info.softwareFallback ? 2 : 10));
  const modes = (arg('modes') ?? 'stock,unfused,fused').split(',');
  const note = info.softwareFallback
    ? 'CPU-emulated WebGPU (software adapter): not GPU timings'
    : undefined;
  for (const batch of batches) {
    const results: Record<string, Result> = {};
    for (const mode of modes) {
      setFusedWebGpuKernels(mode === 'fused');
      if (mode === 'stock') restoreStockKernels('webgpu', ['Conv2DBackpropFilter']);
      else registerTrainingKernels('webgpu');
      const r = await measure(batch, size, channels, iters);
      results[mode] = r;
      print({
        block: CONVS ? 'reference' : 'reference without convs',
        backend: info.backend,
        adapter: info.adapter,
        softwareFallback: info.softwareFallback,
        ...(note ? { note } : {}),
        shape: [batch, size, size, channels],
        mode,
        iterations: iters,
        forwardMs: r2(r.forwardMs),
        trainStepMs: r2(r.trainStepMs),
        dispatchesPerForward: r.dispatchesPerForward,
        dispatchesPerStep: r.dispatchesPerStep,
        kernelsPerStep: r.kernelsPerStep,
        topKernels: r.topKernels,
      });
    }
    const st = results.stock;
    for (const [name, r] of Object.entries(results)) {
      if (!st || name === 'stock') continue;
      print({
        speedup: `${name} over stock`,
        batch,
        forward: r2(st.forwardMs / r.forwardMs),
        trainStep: r2(st.trainStepMs / r.trainStepMs),
        dispatchesPerStep: `${st.dispatchesPerStep} → ${r.dispatchesPerStep}`,
        ...(note ? { note } : {}),
      });
    }
    const [u, fz] = [results.unfused, results.fused];
    if (u && fz) {
      print({
        speedup: 'fused over unfused',
        batch,
        forward: r2(u.forwardMs / fz.forwardMs),
        trainStep: r2(u.trainStepMs / fz.trainStepMs),
        dispatchesPerStep: `${u.dispatchesPerStep} → ${fz.dispatchesPerStep}`,
        ...(note ? { note } : {}),
      });
    }
  }
  setFusedWebGpuKernels(true);
  registerTrainingKernels('webgpu');
}

main().then(
  () => process.exit(0), // Dawn keeps the event loop alive
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
