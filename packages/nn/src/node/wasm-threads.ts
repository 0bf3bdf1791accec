// Threaded WASM in Node. tfjs-backend-wasm ships a pthreads + SIMD build, but its own start-up
// turns threads off under Node: it hands Emscripten's pthread worker over as a Blob URL (which
// `worker_threads` cannot load) and caps XNNPACK's pool at logical cores ÷ 2. This module starts
// the same shipped build with Emscripten's documented Module options instead: the worker script
// written to a file, the main script by path, and an `instantiateWasm` hook that reports the core
// count the cap should allow. Everything else (kernels, memory, BackendWasm) is upstream's.
//
// Pinned to what was checked: `wasm-threads.test.ts` fails when the upstream files change, and
// any failure here makes initBackend fall back to the single-threaded build with the reason.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '../tf/index.js';
import { simdGemmHelpers, simdGemmUsable, wasmMemoryOf } from '../kernels/wasm/simd-gemm.js';
import { startSimdPool } from './simd-pool.js';

/** The tfjs-backend-wasm release whose threaded start-up was checked here. */
export const THREADED_WASM_CHECKED_VERSION = '4.22.0';

/** XNNPACK's pool in this build is pre-spawned with 8 workers: no more threads can run. */
export const MAX_WASM_THREADS = 8;

/** `number`: exactly that many threads; `auto`: the cores not busy with other work. */
export type ThreadsChoice = number | 'auto';

export interface ThreadPlan {
  threads: number;
  /** Why this count, for the log line. */
  reason: string;
}

const BUILD = 'tfjs-backend-wasm-threaded-simd';

/** The upstream files the threaded start-up reads, by path inside the package. */
export const THREADED_WASM_FILES = [
  `wasm-out/${BUILD}.js`,
  `wasm-out/${BUILD}.worker.js`,
  `dist/${BUILD}.wasm`,
] as const;

export function wasmPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/**
 * Busy cores on this machine, not counting this process's own idle state: a 150 ms sample of
 * /proc/stat where there is one (so a competing trainer is seen now), else the 1-minute load.
 */
export async function busyCores(sampleMs = 150): Promise<number> {
  const read = (): { busy: number; total: number } | null => {
    try {
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
      const v = cpu.map(Number);
      const idle = v[3] + (v[4] ?? 0); // idle + iowait
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    } catch {
      return null;
    }
  };
  const a = read();
  if (!a) return loadavg()[0];
  await new Promise((r) => setTimeout(r, sampleMs));
  const b = read();
  if (!b || b.total <= a.total) return loadavg()[0];
  return ((b.busy - a.busy) / (b.total - a.total)) * availableParallelism();
}

/**
 * How many WASM threads to run. `auto` takes the cores that are free now (at least 1): pthreads
 * in this build spin while they wait, so a thread on a core another process is using costs more
 * than it gives (measured in the nn README).
 */
export async function planWasmThreads(
  choice: ThreadsChoice = 'auto',
  probe: () => Promise<number> = busyCores,
): Promise<ThreadPlan> {
  const cores = availableParallelism();
  if (choice !== 'auto') {
    if (!Number.isSafeInteger(choice) || choice < 1)
      throw new Error(`threads must be a positive integer or "auto", got ${String(choice)}`);
    if (choice > MAX_WASM_THREADS)
      throw new Error(`threads: the WASM build runs at most ${MAX_WASM_THREADS}, got ${choice}`);
    return { threads: choice, reason: 'requested' };
  }
  const busy = await probe();
  const free = Math.max(1, Math.min(cores, MAX_WASM_THREADS, Math.round(cores - busy)));
  return {
    threads: free,
    reason: `auto: ${cores} cores, ${busy.toFixed(1)} busy`,
  };
}

// Emscripten escapes "\n" inside string literals of the worker; the export turned them into real
// newlines, which tfjs itself re-escapes before making its Blob.
function workerFile(contents: string): string {
  const source = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'sgdiff-wasm');
  const file = join(dir, `${BUILD}.worker-${hash}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, file); // atomic: a concurrent start never loads half a worker
  }
  return file;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: { unref(): void }[] };
  tfjs?: unknown;
}
type Factory = (config: object) => Promise<EmscriptenModule>;
type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

let stockFactory: BackendFactory | null = null;
let installed: number | null = null; // threads of the factory now registered, null = stock

function replaceWasmFactory(factory: BackendFactory): void {
  if (tf.findBackend('wasm') !== null || tf.findBackendFactory('wasm') !== null)
    tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}

/** Puts tfjs's own single-threaded `wasm` factory back (after `useThreadedWasm`). */
export function useStockWasm(): void {
  if (installed === null || !stockFactory) return;
  startSimdPool(null, 0);
  replaceWasmFactory(stockFactory);
  installed = null;
}

/**
 * Registers the `wasm` backend as the threaded SIMD build with `threads` threads. Call after
 * importing `@tensorflow/tfjs-backend-wasm` and before `tf.setBackend('wasm')`; a backend already
 * started is disposed. Throws when the build can't be found (e.g. inside a bundle).
 */
export async function useThreadedWasm(threads: number): Promise<void> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  if (installed === threads && tf.findBackend('wasm')) return;
  const dir = wasmPackageDir();
  const require = createRequire(import.meta.url);
  const factory = require(join(dir, THREADED_WASM_FILES[0])) as Factory;
  const { wasmWorkerContents } = require(join(dir, THREADED_WASM_FILES[1])) as {
    wasmWorkerContents: string;
  };
  if (typeof factory !== 'function' || typeof wasmWorkerContents !== 'string')
    throw new Error(`${BUILD}: unexpected module shape (tfjs-backend-wasm changed?)`);
  const bytes = readFileSync(join(dir, THREADED_WASM_FILES[2]));
  const worker = workerFile(wasmWorkerContents);
  if (!stockFactory) stockFactory = tf.findBackendFactory('wasm') as BackendFactory | null;

  replaceWasmFactory(async () => {
    const module = await factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js')
          ? worker
          : path.endsWith('.wasm')
            ? join(dir, 'dist', path)
            : prefix + path,
      // Workers evaluate the main script from this path (Emscripten: `mainScriptUrlOrBlob`).
      mainScriptUrlOrBlob: join(dir, THREADED_WASM_FILES[0]),
      instantiateWasm: (
        info: { env: Record<string, unknown> },
        receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void,
      ) => {
        // tfjs sizes its cap as cores ÷ 2 (for hyperthreads): report what lets `threads` through.
        info.env.emscripten_num_logical_cores = () => 2 * threads;
        void WebAssembly.instantiate(bytes, info as WebAssembly.Imports).then((r) =>
          receive(r.instance, r.module),
        );
        return {};
      },
    });
    // The same bridge tfjs's own init() builds.
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    // Where this package's SIMD module runs (convolutions, GEMMs, GroupNorm, AdamW), it takes the
    // threads, and XNNPACK (tfjs's element-wise ops) keeps one: XNNPACK's pool threads spin
    // between ops and compete with the module's helpers for the cores (docs/experiments/
    // 2026-12-05-simd-gemm.md: B=1 UNet forward 31–34 ms instead of 48–56 on 2 threads).
    const memory = wasmMemoryOf(module as never);
    const simd = simdGemmUsable(memory);
    wasmPkg.setThreadsCount(simd ? 1 : threads);
    const backend = new wasmPkg.BackendWasm(module as never);
    // Pool threads run for the backend's lifetime; they must not keep Node alive.
    for (const w of module.PThread?.runningWorkers ?? []) w.unref();
    startSimdPool(memory, simd ? threads - 1 : 0);
    return backend;
  });
  installed = threads;
}

/**
 * Threads the active wasm backend computes on: the SIMD module's pool where it runs, else
 * XNNPACK's (1 for the stock build).
 */
export async function activeWasmThreads(): Promise<number> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  return Math.max(wasmPkg.getThreadsCount(), simdGemmHelpers() + 1);
}
