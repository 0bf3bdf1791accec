import { Worker } from 'node:worker_threads';
import {
  isSharedMemory,
  setSimdGemmPool,
  simdGemmModule,
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
  'winograd_filter',
  'winograd_conv',
  'winograd_grad_tiles',
  'winograd_filter_grad',
  'group_norm',
  'group_norm_grad',
  'adamw',
];
// The job block shared by the caller and every helper, in int32 slots.
const SEQ = 0; // bumped by the caller to post a job; -1 asks the helpers to exit
const FINISHED = 1; // chunks of the current job finished, by any thread
const FN = 2;
const ARGC = 3;
const FAILED = 4; // set when a chunk trapped
const NEXT = 5; // (job tag << 16) | next chunk to claim
const CHUNKS = 6;
const CHUNK = 7; // outputs per chunk
const TOTAL = 8;
const OFFSET = 9; // the range runs over [offset, offset + total)
const ARGS = 16;
const SLOTS = 64;
/** Chunks per thread: threads claim them as they go, so a slower core (a busy sibling, another
 * tenant) does less of the work instead of holding everyone up. */
const CHUNKS_PER_THREAD = 8;
const CLOSED = 0xffff; // a chunk index no job reaches: claims are shut

// Claims the next chunk of job `tag`, or returns -1 when there is none (or another job is up).
// The tag keeps a helper that wakes late from taking a chunk of a newer job with stale arguments:
// it reads the arguments only after a claim succeeds, and the caller rewrites them only after
// every chunk of the job has finished.
const CLAIM = `(c, tag) => {
  for (;;) {
    const cur = Atomics.load(c, ${NEXT});
    if (cur >>> 16 !== tag || (cur & 0xffff) >= c[${CHUNKS}]) return -1;
    if (Atomics.compareExchange(c, ${NEXT}, cur, cur + 1) === cur) return cur & 0xffff;
  }
}`;

const HELPER = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, fns } = workerData;
const c = new Int32Array(control);
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const table = fns.map((n) => ex[n]);
const claim = ${CLAIM};
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (seen < 0) break;
  let i = claim(c, seen);
  if (i < 0) continue; // the caller (or another helper) took every chunk
  const f = table[c[${FN}]];
  const args = Array.from(c.subarray(${ARGS}, ${ARGS} + c[${ARGC}]));
  const chunk = c[${CHUNK}];
  const total = c[${TOTAL}];
  const off = c[${OFFSET}];
  for (; i >= 0; i = claim(c, seen)) {
    try {
      f(...args, off + i * chunk, off + Math.min(total, (i + 1) * chunk));
    } catch {
      Atomics.store(c, ${FAILED}, 1);
    }
    Atomics.add(c, ${FINISHED}, 1);
    Atomics.notify(c, ${FINISHED});
  }
}
`;

const claim = new Function(`return ${CLAIM}`)() as (c: Int32Array, tag: number) => number;

class WorkerPool implements SimdPool {
  private readonly c: Int32Array;
  private readonly workers: Worker[] = [];
  private seq = 0;

  constructor(
    memory: WebAssembly.Memory,
    readonly helpers: number,
  ) {
    const module = simdGemmModule(true);
    const control = new SharedArrayBuffer(SLOTS * 4);
    this.c = new Int32Array(control);
    for (let i = 0; i < helpers; i++) {
      const worker = new Worker(HELPER, {
        eval: true,
        workerData: { memory, module, control, fns: FNS },
      });
      worker.unref(); // idle helpers must not keep the process alive
      this.workers.push(worker);
    }
  }

  run(
    fn: SimdFn,
    f: (...a: number[]) => void,
    args: number[],
    total: number,
    align: number,
    offset = 0,
  ): void {
    const c = this.c;
    const threads = this.helpers + 1;
    const chunk = Math.max(align, Math.ceil(total / (threads * CHUNKS_PER_THREAD) / align) * align);
    const chunks = Math.ceil(total / chunk);
    if (chunks >= CLOSED) throw new Error(`@sgdiff/nn: SIMD ${fn}: ${chunks} chunks is too many`);
    this.seq = (this.seq % 0x7fff) + 1; // the job tag: 1..32767
    const tag = this.seq;
    Atomics.store(c, NEXT, (tag << 16) | CLOSED); // no claims while the job is written
    c[FN] = FNS.indexOf(fn);
    c[ARGC] = args.length;
    c.set(args, ARGS);
    c[TOTAL] = total;
    c[OFFSET] = offset;
    c[CHUNK] = chunk;
    c[CHUNKS] = chunks;
    c[FINISHED] = 0;
    c[FAILED] = 0;
    Atomics.store(c, NEXT, tag << 16);
    Atomics.store(c, SEQ, tag);
    Atomics.notify(c, SEQ);
    // The caller works too. It never waits for a helper that has not claimed a chunk, so a helper
    // that the OS is slow to wake costs nothing.
    let error: unknown = null;
    for (let i = claim(c, tag); i >= 0; i = claim(c, tag)) {
      try {
        f(...args, offset + i * chunk, offset + Math.min(total, (i + 1) * chunk));
      } catch (e) {
        error ??= e;
      }
      Atomics.add(c, FINISHED, 1);
    }
    // Every chunk is claimed; wait for the ones helpers still run (they write into our tensors).
    for (let done = Atomics.load(c, FINISHED); done < chunks; done = Atomics.load(c, FINISHED))
      Atomics.wait(c, FINISHED, done);
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
  if (memory == null || !isSharedMemory(memory) || helpers < 1) return;
  const pool = new WorkerPool(memory, helpers);
  current = pool;
  setSimdGemmPool(pool, memory);
}
