// Kernel microbenchmark: each replacement kernel against what it replaces, side by side in one
// run (interleaved, median of N), plus the reference-block train step with the previous kernels
// ("before") and the current ones ("after"). Prints one JSON line per row.
// Run: npm run bench:kernels -w @sgdiff/nn [-- --reps 5 --only matmul,conv,gn,segsum,step --step-batches 1,8]
import { loadavg } from 'node:os';
import {
  AdamW,
  GroupNorm,
  initBackend,
  setFusedWasmKernels,
  registerTrainingKernels,
  restoreStockKernels,
  tf,
  trainStep,
} from '../src/node/index.js';
import {
  conv2dBackpropFilterIm2col,
  conv2dBackpropFilterViaConv,
  conv2dBackpropFilterWasm,
} from '../src/kernels/wasm/conv2d-backprop-filter.js';
import {
  conv2dBackpropInputViaConv,
  conv2dBackpropInputWasm,
} from '../src/kernels/wasm/conv2d-backprop-input.js';
import { ReferenceBlock } from './reference-model.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const reps = Number(arg('reps') ?? 5);
const only = (arg('only') ?? 'matmul,conv,gn,segsum,step').split(',');

function print(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const r2 = (x: number) => Number(x.toFixed(2));

/** Replaces whatever is registered for (kernel, backend) by `config`. */
function use(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName))
    tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

interface Variant {
  name: string;
  /** Installs this variant's kernels. */
  setup(): void;
}

/**
 * Times `run` under each variant, interleaved so that load changes hit all alike. `run` returns
 * a tensor, which is read back (sync) and disposed. Checks that the variants agree.
 */
async function compare(
  label: string,
  variants: Variant[],
  run: () => tf.Tensor,
  n = reps,
): Promise<void> {
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const outs: Float32Array[] = [];
  for (const [i, v] of variants.entries()) {
    v.setup();
    const y = run(); // warm-up (XNNPACK operator creation) and result check
    outs[i] = (await y.data()) as Float32Array;
    y.dispose();
  }
  let maxDiff = 0;
  for (let i = 1; i < outs.length; i++) {
    let scale = 1;
    for (const v of outs[0]) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < outs[0].length; j++)
      maxDiff = Math.max(maxDiff, Math.abs(outs[i][j] - outs[0][j]) / scale);
  }
  for (let r = 0; r < n; r++) {
    for (const [i, v] of variants.entries()) {
      v.setup();
      const before = tf.memory().numTensors;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const y = run();
      y.dataSync();
      times[i].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / 1000);
      y.dispose();
      if (tf.memory().numTensors !== before) throw new Error(`${label}/${v.name} leaked tensors`);
    }
  }
  const ms = times.map(median);
  const cms = cpu.map(median);
  const row: Record<string, unknown> = { kernel: label };
  variants.forEach((v, i) => (row[`${v.name}Ms`] = r2(ms[i])));
  variants.forEach((v, i) => (row[`${v.name}CpuMs`] = r2(cms[i])));
  if (variants.length > 1) {
    row.ratio = r2(ms[0] / ms[ms.length - 1]);
    row.cpuRatio = r2(cms[0] / cms[cms.length - 1]);
  }
  row.maxRelDiff = Number(maxDiff.toExponential(2));
  row.load = r2(loadavg()[0]);
  print(row);
}

const stockMatMul: Variant = {
  name: 'stock',
  setup: () => restoreStockKernels('wasm', ['BatchMatMul']),
};
const nnMatMul: Variant = { name: 'nn', setup: () => registerTrainingKernels('wasm') };

async function matmuls(): Promise<void> {
  const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const x = rnd([8192, 128], 1);
  const dy = rnd([8192, 128], 2);
  const w = rnd([128, 128], 3);
  const q = rnd([16, 256, 64], 4);
  const k = rnd([16, 256, 64], 5);
  const p = rnd([16, 256, 256], 6);
  const qs = rnd([64, 16, 64], 7);
  const ks = rnd([64, 16, 64], 8);
  const x3 = rnd([8, 1024, 128], 9);
  const qm = rnd([64, 32, 32], 10);
  const km = rnd([64, 32, 32], 11);
  const ql = rnd([64, 64, 32], 12);
  const kl = rnd([64, 64, 32], 13);
  const cases: Array<[string, () => tf.Tensor]> = [
    ['matmul x·W [8192,128]·[128,128]', () => tf.matMul(x, w)],
    ['matmul xᵀ·dy (Linear dW) [8192,128]ᵀ·[8192,128]', () => tf.matMul(x, dy, true, false)],
    ['matmul dy·Wᵀ (Linear dx) [8192,128]·[128,128]ᵀ', () => tf.matMul(dy, w, false, true)],
    ['matmul batched x·W [8,1024,128]·[128,128]', () => tf.matMul(x3, w)],
    ['matmul q·kᵀ [16,256,64]·[16,256,64]ᵀ', () => tf.matMul(q, k, false, true)],
    ['matmul p·v [16,256,256]·[16,256,64]', () => tf.matMul(p, k)],
    ['matmul pᵀ·q (attn grad) [16,256,256]ᵀ·[16,256,64]', () => tf.matMul(p, q, true, false)],
    ['matmul small q·kᵀ [64,16,64]·[64,16,64]ᵀ', () => tf.matMul(qs, ks, false, true)],
    [
      'matmul small p·v [64,16,16]·[64,16,64]',
      () => tf.tidy(() => tf.matMul(tf.slice(qs, [0, 0, 0], [64, 16, 16]), ks)),
    ],
    ['matmul mid q·kᵀ [64,32,32]·[64,32,32]ᵀ', () => tf.matMul(qm, km, false, true)],
    ['matmul mid q·kᵀ [64,64,32]·[64,64,32]ᵀ', () => tf.matMul(ql, kl, false, true)],
  ];
  for (const [label, run] of cases) await compare(label, [stockMatMul, nnMatMul], run);
  tf.dispose([x, dy, w, q, k, p, qs, ks, x3, qm, km, ql, kl]);
  registerTrainingKernels('wasm');
}

async function convs(): Promise<void> {
  const shapes: Array<[string, number[], number[], number]> = [
    ['reference B1 [1,32,32,128] k3 s1', [1, 32, 32, 128], [3, 3, 128, 128], 1],
    ['reference B4 [4,32,32,128] k3 s1', [4, 32, 32, 128], [3, 3, 128, 128], 1],
    ['down [2,64,64,64] k3 s2', [2, 64, 64, 64], [3, 3, 64, 128], 2],
    ['stem [8,64,64,3] k3 s1 → 64', [8, 64, 64, 3], [3, 3, 3, 64], 1],
    ['level [4,64,64,64] k3 s1', [4, 64, 64, 64], [3, 3, 64, 64], 1],
    ['1x1 [4,32,32,128] → 256', [4, 32, 32, 128], [1, 1, 128, 256], 1],
    ['level B8 [8,64,64,64] k3 s1', [8, 64, 64, 64], [3, 3, 64, 64], 1],
  ];
  for (const [label, xShape, wShape, stride] of shapes) {
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(wShape, 0, 0.1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, stride, 'same');
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const attrs = {
      strides: [stride, stride],
      pad: 'same',
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    };
    const fwd: Variant = { name: 'forwardConv', setup: () => undefined };
    const filterOld: Variant = {
      name: 'dilatedConv',
      setup: () => use(conv2dBackpropFilterViaConv('wasm')),
    };
    const filterNew: Variant = {
      name: 'im2col',
      setup: () => use(conv2dBackpropFilterIm2col('wasm')),
    };
    const filterDyT: Variant = {
      name: 'im2colDyT',
      setup: () => use(conv2dBackpropFilterIm2col('wasm', 1 << 22, true)),
    };
    const filterNn: Variant = { name: 'nn', setup: () => use(conv2dBackpropFilterWasm('wasm')) };
    const inputOld: Variant = {
      name: 'flippedConv',
      setup: () => use(conv2dBackpropInputViaConv('wasm')),
    };
    const inputNew: Variant = { name: 'nn', setup: () => use(conv2dBackpropInputWasm('wasm')) };
    await compare(`conv2d forward ${label}`, [fwd], () => tf.conv2d(x, w, stride, 'same'));
    await compare(
      `Conv2DBackpropFilter ${label}`,
      [filterOld, filterDyT, filterNew, filterNn],
      () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          ...attrs,
          filterShape: wShape,
        } as never) as tf.Tensor,
    );
    await compare(
      `Conv2DBackpropInput ${label}`,
      [inputOld, inputNew],
      () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          ...attrs,
          inputShape: xShape,
        } as never) as tf.Tensor,
    );
    tf.dispose([x, w, y, dy]);
  }
  registerTrainingKernels('wasm');
}

async function groupNorms(): Promise<void> {
  const unfused: Variant = { name: 'unfused', setup: () => setFusedWasmKernels(false) };
  const fused: Variant = { name: 'fused', setup: () => setFusedWasmKernels(true) };
  for (const shape of [
    [1, 32, 32, 128],
    [8, 64, 64, 64],
  ]) {
    const norm = new GroupNorm(32, shape[3]);
    const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const label = `GroupNorm(32)+SiLU [${shape}]`;
    await compare(`${label} forward`, [unfused, fused], () => norm.forward(x, { silu: true }));
    await compare(`${label} forward+backward (dx)`, [unfused, fused], () =>
      tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(norm.forward(xi, { silu: true }), r)))(x),
    );
    tf.dispose([x, r]);
    norm.dispose();
  }
  setFusedWasmKernels(true);
}

async function segmentSums(): Promise<void> {
  await initBackend({ backend: 'cpu', log: false });
  const stock: Variant = {
    name: 'stock',
    setup: () => restoreStockKernels('cpu', ['UnsortedSegmentSum']),
  };
  const nn: Variant = { name: 'nn', setup: () => registerTrainingKernels('cpu') };
  for (const [rows, d, segs] of [
    [40, 64, 10],
    [512, 256, 100],
  ]) {
    const x = tf.randomNormal([rows, d], 0, 1, 'float32', 1);
    const ids = tf.tensor1d(
      Array.from({ length: rows }, (_, i) => (i * 7) % segs),
      'int32',
    );
    await compare(
      `cpu UnsortedSegmentSum [${rows},${d}] → ${segs}`,
      [stock, nn],
      () => tf.unsortedSegmentSum(x, ids, segs),
      3,
    );
    tf.dispose([x, ids]);
  }
  registerTrainingKernels('cpu');
  await initBackend({ backend: 'wasm', log: false });
}

async function referenceStep(batch: number): Promise<void> {
  const model = new ReferenceBlock(128);
  const opt = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0 });
  const x = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 1) as tf.Tensor4D;
  const target = tf.randomNormal([batch, 32, 32, 128], 0, 1, 'float32', 2) as tf.Tensor4D;
  const step = async () => {
    const r = await trainStep(
      model,
      opt,
      () => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar,
    );
    return r;
  };
  const before: Variant = {
    name: 'before',
    setup: () => {
      restoreStockKernels('wasm', ['BatchMatMul']);
      use(conv2dBackpropFilterViaConv('wasm'));
      use(conv2dBackpropInputViaConv('wasm'));
      setFusedWasmKernels(false);
    },
  };
  const kernelsOnly: Variant = {
    name: 'kernelsOnly',
    setup: () => {
      registerTrainingKernels('wasm');
      setFusedWasmKernels(false);
    },
  };
  const after: Variant = {
    name: 'after',
    setup: () => {
      registerTrainingKernels('wasm');
      setFusedWasmKernels(true);
    },
  };
  const variants = [before, kernelsOnly, after];
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  for (const v of variants) {
    v.setup();
    await step(); // warm-up
  }
  for (let r = 0; r < reps; r++) {
    for (const [i, v] of variants.entries()) {
      v.setup();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await step();
      times[i].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / 1000);
    }
  }
  const ms = times.map(median);
  const cms = cpu.map(median);
  print({
    step: `reference block train step B${batch} (Adam)`,
    note: 'before: stock BatchMatMul, dilated/flipped-conv gradients, unfused GN; kernelsOnly: new kernels, unfused GN; after: all',
    beforeMs: r2(ms[0]),
    kernelsOnlyMs: r2(ms[1]),
    afterMs: r2(ms[2]),
    beforeCpuMs: r2(cms[0]),
    kernelsOnlyCpuMs: r2(cms[1]),
    afterCpuMs: r2(cms[2]),
    ratio: r2(ms[0] / ms[2]),
    cpuRatio: r2(cms[0] / cms[2]),
    load: r2(loadavg()[0]),
  });
  tf.dispose([x, target]);
  model.dispose();
  opt.dispose();
  registerTrainingKernels('wasm');
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'wasm', log: false, wasmPaths: arg('wasm-dir') });
  print({
    backend: info.backend,
    adapter: info.adapter,
    reps,
    cores: (await import('node:os')).cpus().length,
    load: loadavg().map(r2),
  });
  if (only.includes('matmul')) await matmuls();
  if (only.includes('conv')) await convs();
  if (only.includes('gn')) await groupNorms();
  if (only.includes('segsum')) await segmentSums();
  if (only.includes('step'))
    for (const b of (arg('step-batches') ?? '1').split(',')) await referenceStep(Number(b));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
