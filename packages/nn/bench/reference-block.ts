// The nn benchmark: docs/toolchain.md's reference block (4 residual blocks, GN(32) → SiLU → conv3x3 ×2,
// [B, 32, 32, 128], MSE to a fixed target, Adam lr 1e-4). Prints one JSON line per measurement.
// Run: npm run bench -w @sgdiff/nn [-- --backends cpu,wasm,webgpu --iters 3]
import { AdamW, initBackend, tf, trainStep, type BackendInfo } from '../src/node/index.js';
import { ReferenceBlock } from './reference-model.js';

type Backend = 'cpu' | 'wasm' | 'webgpu' | 'tensorflow';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(
  batch: number,
  iters: number,
  withStep: boolean,
  warmStep: boolean,
): Promise<{ forwardMs: number; trainStepMs: number | null }> {
  const model = new ReferenceBlock(128);
  const opt = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0 });
  const x = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 1) as tf.Tensor4D;
  const target = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 2) as tf.Tensor4D;
  const forward = async () => {
    const y = model.forward(x);
    await y.data(); // sync: GPU backends are asynchronous
    y.dispose();
  };
  const step = () =>
    trainStep(model, opt, () => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar);
  await forward(); // warm-up: allocation, and shader compilation on GPU backends
  if (withStep && warmStep) await step();
  const f: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < iters; i++) {
    let t0 = performance.now();
    await forward();
    f.push(performance.now() - t0);
    if (!withStep) continue;
    t0 = performance.now();
    await step();
    s.push(performance.now() - t0);
  }
  tf.dispose([x, target]);
  model.dispose();
  opt.dispose();
  return { forwardMs: median(f), trainStepMs: withStep ? median(s) : null };
}

function print(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function main(): Promise<void> {
  const backends = (arg('backends') ?? 'cpu,wasm,webgpu,tensorflow').split(',') as Backend[];
  const iterOverride = arg('iters') ? Number(arg('iters')) : undefined;
  const b32 = arg('b32') !== 'off';
  // tfjs-backend-cpu's conv gradients are naive loops (~90 s per 3×3 conv backward at B=1 here),
  // so a cpu train step takes ~12 minutes: only with --cpu-train.
  const cpuTrain = process.argv.includes('--cpu-train');
  const results: Record<string, { forwardMs: number; trainStepMs: number | null }> = {};
  for (const backend of backends) {
    let info: BackendInfo;
    try {
      info = await initBackend({
        backend,
        log: false,
        allowSoftwareWebGpu: true,
        wasmPaths: arg('wasm-dir'),
      });
    } catch (e) {
      print({ backend, skipped: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const gpu = (backend === 'webgpu' || backend === 'tensorflow') && !info.softwareFallback;
    // B=32 on WASM and real GPUs; the pure-JS cpu backend and CPU-emulated WebGPU are too slow.
    const batches = backend === 'wasm' || gpu ? (b32 ? [1, 32] : [1]) : [1];
    for (const batch of batches) {
      const iters = iterOverride ?? (gpu ? 10 : backend === 'wasm' && batch === 1 ? 3 : 1);
      const withStep = backend !== 'cpu' || cpuTrain;
      // WASM/CPU compile nothing at run time: one warm-up forward is enough, which keeps the
      // default run near 3 minutes on 2 cores.
      const r = await measure(
        batch,
        iters,
        withStep,
        backend === 'webgpu' || backend === 'tensorflow',
      );
      results[`${backend}/B${batch}`] = r;
      print({
        block: 'reference',
        backend: info.backend,
        adapter: info.adapter,
        softwareFallback: info.softwareFallback,
        batch,
        iterations: iters,
        forwardMs: Number(r.forwardMs.toFixed(2)),
        trainStepMs: r.trainStepMs === null ? null : Number(r.trainStepMs.toFixed(2)),
        ...(withStep
          ? {}
          : { note: 'train step skipped: cpu conv gradients take minutes (use --cpu-train)' }),
      });
    }
    if (!batches.includes(32))
      print({
        backend: info.backend,
        batch: 32,
        skipped: 'too slow on this backend (not a GPU or WASM)',
      });
  }
  const cpu = results['cpu/B1'];
  const wasm = results['wasm/B1'];
  if (cpu && wasm) {
    print({
      speedup: 'wasm over cpu',
      batch: 1,
      forward: Number((cpu.forwardMs / wasm.forwardMs).toFixed(1)),
      trainStep:
        cpu.trainStepMs && wasm.trainStepMs
          ? Number((cpu.trainStepMs / wasm.trainStepMs).toFixed(1))
          : null,
    });
  }
}

main().then(
  () => process.exit(0), // Dawn keeps the event loop alive
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
