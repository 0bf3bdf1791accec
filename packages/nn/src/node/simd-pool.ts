import { Worker } from 'node:worker_threads';
import {
  setSimdGemmPool,
  simdGemmBytes,
  type SimdFn,
  type SimdPool,
} from '../kernels/wasm/simd-gemm.js';

// Helper threads for the SIMD GEMM/conv module: each runs its own instance of the module on the
// wasm backend's shared memory and sleeps in Atomics.wait between calls (no spinning). A call's
// output range is cut into chunks that the caller and the helpers claim in turn; each output is
// computed the same way whichever thread takes it, so results do not depend on the split.

const FNS: readonly SimdFn[] = [
  'pack_b',
  'gemm',
  'conv2d',
  'conv2d_filter_grad',
  'group_norm',
  'group_norm_grad',
  'adamw',
];
// The job block shared by the caller and every helper, in int32 slots.
const SEQ = 0; // bumped by the caller to post a job; -1 asks the helpers to exit
const DONE = 1; // helpers that finished the current job
const FN = 2;
const ARGC = 3;
const FAILED = 4; // set when a part trapped
const NEXT = 5; // next chunk to claim
const CHUNKS = 6;
const CHUNK = 7; // outputs per chunk
const TOTAL = 8;
const ARGS = 16;
const SLOTS = 64;
/** Chunks per thread: threads claim them as they go, so a slower core (a busy sibling, another
 * tenant) does less of the work instead of holding everyone up. */
const CHUNKS_PER_THREAD = 8;

// A helper claims chunks of the posted job until none are left (`run` has the same loop).
const CLAIM = `
  for (let i = Atomics.add(c, ${NEXT}, 1); i < c[${CHUNKS}]; i = Atomics.add(c, ${NEXT}, 1)) {
    const lo = i * c[${CHUNK}];
    f(...args, lo, Math.min(c[${TOTAL}], lo + c[${CHUNK}]));
  }`;

const HELPER = `
const { workerData } = require('node:worker_threads');
const { memory, bytes, control, fns } = workerData;
const c = new Int32Array(control);
const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const table = fns.map((n) => ex[n]);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (seen < 0) break;
  try {
    const f = table[c[${FN}]];
    const args = Array.from(c.subarray(${ARGS}, ${ARGS} + c[${ARGC}]));
    ${CLAIM}
  } catch {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.add(c, ${DONE}, 1);
  Atomics.notify(c, ${DONE});
}
`;

type Fns = Record<SimdFn, (...a: number[]) => void>;

class WorkerPool implements SimdPool {
  private readonly c: Int32Array;
  private readonly workers: Worker[] = [];
  private seq = 0;

  constructor(
    memory: WebAssembly.Memory,
    readonly helpers: number,
    private readonly main: Fns,
  ) {
    const bytes = simdGemmBytes(true);
    const control = new SharedArrayBuffer(SLOTS * 4);
    this.c = new Int32Array(control);
    for (let i = 0; i < helpers; i++) {
      const worker = new Worker(HELPER, {
        eval: true,
        workerData: { memory, bytes, control, fns: FNS },
      });
      worker.unref(); // idle helpers must not keep the process alive
      this.workers.push(worker);
    }
  }

  run(fn: SimdFn, args: number[], total: number, align: number): void {
    const c = this.c;
    const threads = this.helpers + 1;
    const chunk = Math.max(align, Math.ceil(total / (threads * CHUNKS_PER_THREAD) / align) * align);
    c[FN] = FNS.indexOf(fn);
    c[ARGC] = args.length;
    c.set(args, ARGS);
    c[TOTAL] = total;
    c[CHUNK] = chunk;
    c[CHUNKS] = Math.ceil(total / chunk);
    c[NEXT] = 0;
    c[DONE] = 0;
    c[FAILED] = 0;
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
    let error: unknown = null;
    try {
      const f = this.main[fn];
      for (let i = Atomics.add(c, NEXT, 1); i < c[CHUNKS]; i = Atomics.add(c, NEXT, 1)) {
        const lo = i * chunk;
        f(...args, lo, Math.min(total, lo + chunk));
      }
    } catch (e) {
      error = e;
      Atomics.store(c, NEXT, c[CHUNKS]); // let the helpers stop early
    }
    // Always wait: a helper may still be writing into tensors the caller is about to free.
    for (let done = Atomics.load(c, DONE); done < this.helpers; done = Atomics.load(c, DONE))
      Atomics.wait(c, DONE, done);
    if (error) throw error;
    if (c[FAILED]) throw new Error(`@sgdiff/nn: SIMD ${fn} failed on a helper thread`);
  }

  async close(): Promise<void> {
    Atomics.store(this.c, SEQ, -1);
    Atomics.notify(this.c, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let current: WorkerPool | null = null;

/**
 * Starts `helpers` helper threads for the SIMD kernels of the wasm backend on `memory` (which
 * must be shared: tfjs's threaded build), replacing any earlier pool. 0 helpers stops the pool.
 */
export function startSimdPool(memory: WebAssembly.Memory | null, helpers: number): void {
  if (current) void current.close();
  current = null;
  setSimdGemmPool(null, null);
  const shared =
    memory != null &&
    typeof SharedArrayBuffer !== 'undefined' &&
    memory.buffer instanceof SharedArrayBuffer;
  if (!shared || helpers < 1) return;
  const main = new WebAssembly.Instance(new WebAssembly.Module(simdGemmBytes(true)), {
    env: { memory },
  }).exports as unknown as Fns;
  const pool = new WorkerPool(memory, helpers, main);
  current = pool;
  setSimdGemmPool(pool, memory);
}
