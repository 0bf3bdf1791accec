import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '../tf/index.js';
import { GroupNorm } from '../modules/norm.js';
import { SimdGemm, simdGemmHelpers } from '../kernels/wasm/simd-gemm.js';
import { initBackend } from './init-backend.js';
import {
  MAX_WASM_THREADS,
  THREADED_WASM_CHECKED_VERSION,
  THREADED_WASM_FILES,
  planWasmThreads,
  wasmPackageDir,
} from './wasm-threads.js';

// SHA-256 of the upstream files the threaded start-up was checked against (tfjs-backend-wasm
// 4.22.0). A tfjs upgrade changes them: re-check the start-up (the worker's message protocol,
// the cwrap names, `emscripten_num_logical_cores`), then update these and the version.
const CHECKED = {
  'wasm-out/tfjs-backend-wasm-threaded-simd.js':
    'd79fba6f8a1648e9e068c73930d4898d99fcc24ca3163a8679464c96a644949f',
  'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js':
    '2d56f7279a8515423f59e3a8a5793d27aee4fcf4c9f955c28c6d38a4462f9472',
  'dist/tfjs-backend-wasm-threaded-simd.wasm':
    'c052228d4bef185c27bbe59a9e029570c78bbb9f08b3cb46b597851650373de2',
};

describe('threaded WASM start-up: pinned upstream', () => {
  it('runs on the tfjs-backend-wasm release it was checked against', () => {
    const dir = wasmPackageDir();
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(THREADED_WASM_CHECKED_VERSION);
    for (const file of THREADED_WASM_FILES) {
      const hash = createHash('sha256')
        .update(readFileSync(join(dir, file)))
        .digest('hex');
      expect({ file, hash }).toEqual({ file, hash: CHECKED[file] });
    }
  });
});

describe('planWasmThreads', () => {
  const cores = availableParallelism();
  it('takes an explicit count and refuses a bad one', async () => {
    await expect(planWasmThreads(2)).resolves.toEqual({ threads: 2, reason: 'requested' });
    await expect(planWasmThreads(0)).rejects.toThrow(/positive integer/);
    await expect(planWasmThreads(1.5)).rejects.toThrow(/positive integer/);
    await expect(planWasmThreads(MAX_WASM_THREADS + 1)).rejects.toThrow(/at most 8/);
  });
  it('auto takes the free cores, at least one, at most the pool', async () => {
    expect((await planWasmThreads('auto', async () => 0)).threads).toBe(
      Math.min(cores, MAX_WASM_THREADS),
    );
    expect((await planWasmThreads('auto', async () => cores)).threads).toBe(1);
    expect((await planWasmThreads('auto', async () => cores + 3)).threads).toBe(1);
    const oneBusy = await planWasmThreads('auto', async () => 1.2);
    expect(oneBusy.threads).toBe(Math.max(1, Math.min(MAX_WASM_THREADS, Math.round(cores - 1.2))));
    expect(oneBusy.reason).toBe(`auto: ${cores} cores, 1.2 busy`);
  });
});

// A small conv net's loss and gradients (forward, conv input/filter gradients, matmul, the fused
// GroupNorm kernel), from fixed inputs made in JS so every backend instance sees the same data.
function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

async function lossAndGrads(): Promise<Float32Array[]> {
  const norm = new GroupNorm(8, 64);
  const x = tf.tensor4d(lcg(2 * 16 * 16 * 32, 1), [2, 16, 16, 32]);
  const w1 = tf.tensor4d(lcg(3 * 3 * 32 * 64, 2), [3, 3, 32, 64]);
  const w2 = tf.tensor2d(lcg(64 * 48, 3), [64, 48]);
  const f = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
    const h = norm.forward(tf.conv2d(x, tf.mul(a, 0.1) as tf.Tensor4D, 1, 'same'), { silu: true });
    const y = tf.matMul(tf.reshape(h, [512, 64]), tf.mul(b, 0.1) as tf.Tensor2D);
    return tf.mean(tf.square(y)) as tf.Scalar;
  });
  const { value, grads } = f([w1, w2]);
  const out = [await value.data(), await grads[0].data(), await grads[1].data()];
  tf.dispose([x, w1, w2, value, ...grads]);
  norm.dispose();
  return out as Float32Array[];
}

describe('threaded WASM', () => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1, log: false });
  });

  it('runs 2 threads and gives bit-identical results to 1 thread', async () => {
    const one = await initBackend({ backend: 'wasm', threads: 1, log: false });
    expect(one.threads).toBe(1);
    const single = await lossAndGrads();
    const two = await initBackend({ backend: 'wasm', threads: 2, log: false });
    expect(two).toMatchObject({ backend: 'wasm', threads: 2, adapter: 'wasm-simd-threaded' });
    expect(tf.getBackend()).toBe('wasm');
    // The SIMD conv/GEMM kernels split their work with one helper thread.
    expect(SimdGemm.for(tf.backend())).not.toBeNull();
    expect(simdGemmHelpers()).toBe(1);
    const before = tf.memory().numTensors;
    const threaded = await lossAndGrads();
    expect(tf.memory().numTensors).toBe(before);
    expect(threaded.length).toBe(3);
    for (let i = 0; i < single.length; i++) expect(threaded[i]).toEqual(single[i]);
  });

  it('keeps the running thread count while tensors live on wasm, so none is lost', async () => {
    await initBackend({ backend: 'wasm', threads: 1, log: false });
    const kept = tf.tensor1d([1, 2, 3]);
    const info = await initBackend({ backend: 'wasm', threads: 2, log: false });
    expect(info.threads).toBe(1);
    expect(info.note).toMatch(/kept 1 thread\(s\): tensors live on the running wasm backend/);
    expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
    kept.dispose();
    expect((await initBackend({ backend: 'wasm', threads: 2, log: false })).threads).toBe(2);
  });

  it('matches the cpu backend (independent reference) within float tolerance', async () => {
    await initBackend({ backend: 'wasm', threads: 2, log: false });
    const threaded = await lossAndGrads();
    await initBackend({ backend: 'cpu', log: false });
    const cpu = await lossAndGrads();
    for (let i = 0; i < cpu.length; i++) {
      let maxErr = 0;
      let maxRef = 0;
      for (let j = 0; j < cpu[i].length; j++) {
        maxErr = Math.max(maxErr, Math.abs(cpu[i][j] - threaded[i][j]));
        maxRef = Math.max(maxRef, Math.abs(cpu[i][j]));
      }
      expect(maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
    }
  });
});
