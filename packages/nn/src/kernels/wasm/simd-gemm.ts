import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { SIMD_GEMM_PLAIN, SIMD_GEMM_SHARED } from './simd-gemm-binary.js';

// This package's SIMD128 GEMM/conv module (native/sgemm.c), instantiated on the wasm backend's
// own memory so that kernels read and write tensors in place. Work can be split over helper
// threads that run the same module on the same (shared) memory: see `setSimdGemmPool`.

/** The module's exports, by name; every one takes its output range [lo, hi) last. */
export type SimdFn =
  | 'pack_b'
  | 'gemm'
  | 'conv2d'
  | 'conv2d_filter_grad'
  | 'winograd_filter'
  | 'winograd_conv'
  | 'winograd_grad_tiles'
  | 'winograd_filter_grad'
  | 'group_norm'
  | 'group_norm_grad'
  | 'adamw';
type Exports = Record<SimdFn, (...args: number[]) => void> & {
  filter_grad_chunk_rows(ow: number, ci: number, co: number): number;
};

/** Runs `fn(...args, lo, hi)` over [offset, offset + total) split into parts aligned to `align`. */
export interface SimdPool {
  /** Threads besides the calling one. */
  readonly helpers: number;
  /** `main` is the calling thread's instance of `fn`, which takes its share of the chunks. */
  run(
    fn: SimdFn,
    main: (...a: number[]) => void,
    args: number[],
    total: number,
    align: number,
    offset?: number,
  ): void;
}

/** Floats of scratch per image and channel of the GroupNorm kernels (GN_SCRATCH in sgemm.c). */
const GN_SCRATCH = 5;

/**
 * Below this many multiply-adds (~0.2 ms on one core), a call stays on one thread: waking a
 * helper and handing out chunks would cost more than it saves.
 */
export const PARALLEL_MIN_MACS = 1 << 22;

interface WasmModuleLike {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

export interface SimdBackend {
  wasm: WasmModuleLike;
  getMemoryOffset(dataId: object): number;
}

let pool: SimdPool | null = null;
let poolMemory: WebAssembly.Memory | null = null;

/** Installs (or, with null, removes) the helper threads for the backend on `memory`. */
export function setSimdGemmPool(p: SimdPool | null, memory: WebAssembly.Memory | null): void {
  pool = p;
  poolMemory = memory;
}

/** Helper threads the SIMD kernels split their work over now (0: the calling thread only). */
export function simdGemmHelpers(): number {
  return pool?.helpers ?? 0;
}

/** Scratch bytes a Winograd conv call may hold; larger convs run in several passes. */
let winogradScratchBytes = 16 << 20;

/** Bytes of transforms per pass of the Winograd filter gradient (its GEMM's reduction block). */
let winogradGradPassBytes = 1 << 20;

/** Sets the Winograd scratch budget (tests use a small one to exercise the passes); returns the old. */
export function setWinogradScratchBytes(bytes: number, gradPassBytes = bytes): [number, number] {
  const old: [number, number] = [winogradScratchBytes, winogradGradPassBytes];
  winogradScratchBytes = bytes;
  winogradGradPassBytes = gradPassBytes;
  return old;
}

/**
 * Whether a conv takes the Winograd F(2×2, 3×3) path: 3×3, stride 1, no dilation, Ci % 4 == 0,
 * Co % 8 == 0, and enough input channels for the transforms to pay (below 16 the direct conv is
 * faster: bench/kernels.ts).
 */
export function winogradEligible(i: backend_util.Conv2DInfo): boolean {
  return (
    i.filterHeight === 3 &&
    i.filterWidth === 3 &&
    i.strideHeight === 1 &&
    i.strideWidth === 1 &&
    i.dilationHeight === 1 &&
    i.dilationWidth === 1 &&
    i.inChannels % 4 === 0 &&
    i.inChannels >= 16 &&
    i.outChannels % 8 === 0 &&
    winogradSwitch() !== 'off'
  );
}

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
}

/** SGDIFF_WINOGRAD=off keeps 3×3 convs on the direct kernel, for comparisons. */
function winogradSwitch(): string | undefined {
  return env('SGDIFF_WINOGRAD');
}

/** SGDIFF_SIMD_GEMM=off turns the module off (stock tfjs kernels everywhere), for comparisons. */
function disabled(): boolean {
  return env('SGDIFF_SIMD_GEMM') === 'off';
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const compiled = new Map<boolean, WebAssembly.Module>();

/** The module compiled for a shared or an unshared memory, once per process. */
export function simdGemmModule(shared: boolean): WebAssembly.Module {
  let m = compiled.get(shared);
  if (!m) {
    m = new WebAssembly.Module(decode(shared ? SIMD_GEMM_SHARED : SIMD_GEMM_PLAIN));
    compiled.set(shared, m);
  }
  return m;
}

/** Whether `memory` is shared (tfjs's threaded build), so other threads can run on it. */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The memory a tfjs-backend-wasm module runs on (threaded builds keep it on the module). */
export function wasmMemoryOf(wasm: WasmModuleLike): WebAssembly.Memory | null {
  const m = wasm.wasmMemory ?? wasm.asm?.memory;
  return m instanceof WebAssembly.Memory ? m : null;
}

/** The module's exports on `memory`, or null where it cannot run (or is switched off). */
function instantiate(memory: WebAssembly.Memory): Exports | null {
  if (disabled()) return null;
  try {
    const module = simdGemmModule(isSharedMemory(memory));
    return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  } catch {
    return null;
  }
}

/** Whether the module can run on this memory here (SIMD support, not switched off). */
export function simdGemmUsable(memory: WebAssembly.Memory | null): boolean {
  return memory != null && instantiate(memory) != null;
}

/** H, W, Ci, OH, OW, Co, KH, KW, sh, sw, dh, dw, pad top, pad left: the conv kernels' arguments. */
function geometry(i: backend_util.Conv2DInfo): number[] {
  return [
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.outHeight,
    i.outWidth,
    i.outChannels,
    i.filterHeight,
    i.filterWidth,
    i.strideHeight,
    i.strideWidth,
    i.dilationHeight,
    i.dilationWidth,
    i.padInfo.top,
    i.padInfo.left,
  ];
}

const instances = new WeakMap<object, SimdGemm | null>();

export class SimdGemm {
  private constructor(
    private readonly backend: SimdBackend,
    readonly memory: WebAssembly.Memory,
    private readonly fns: Exports,
  ) {}

  /**
   * The module on this backend's memory, or null where it cannot run (not a tfjs wasm backend,
   * no WebAssembly SIMD, a browser main thread that refuses synchronous compiles, or
   * SGDIFF_SIMD_GEMM=off). Callers then use the stock kernel.
   */
  static for(backend: unknown): SimdGemm | null {
    const b = backend as SimdBackend;
    if (typeof b !== 'object' || b == null) return null;
    if (instances.has(b)) return instances.get(b) ?? null;
    const memory = b.wasm ? wasmMemoryOf(b.wasm) : null;
    const fns = memory && typeof b.getMemoryOffset === 'function' ? instantiate(memory) : null;
    const made = memory && fns ? new SimdGemm(b, memory, fns) : null;
    instances.set(b, made);
    return made;
  }

  /** Output rows per chunk of the filter gradient (sgemm.c decides; its scratch depends on it). */
  private chunkRows(ow: number, ci: number, co: number): number {
    return this.fns.filter_grad_chunk_rows(ow, ci, co);
  }

  ptr(t: TensorInfo): number {
    return this.backend.getMemoryOffset(t.dataId);
  }

  /** Runs `fn` over [0, total), on the helper threads too when the work is large enough. */
  private run(
    fn: SimdFn,
    args: number[],
    total: number,
    align: number,
    macs: number,
    offset = 0,
  ): void {
    if (pool && pool.helpers > 0 && poolMemory === this.memory && macs >= PARALLEL_MIN_MACS) {
      pool.run(fn, this.fns[fn], args, total, align, offset);
    } else {
      this.fns[fn](...args, offset, offset + total);
    }
  }

  private alloc(floats: number, zero = false): number {
    const p = this.backend.wasm._malloc(floats * 4) >>> 0;
    if (p === 0) throw new Error(`@sgdiff/nn: wasm heap is out of memory (${floats * 4} bytes)`);
    if (zero) new Float32Array(this.memory.buffer, p, floats).fill(0);
    return p;
  }

  private free(p: number): void {
    this.backend.wasm._free(p);
  }

  /** Packs B (see pack_b in sgemm.c) for `entries` batch entries; free the result after. */
  private pack(b: number, ldb: number, trans: boolean, k: number, n: number, entries = 1): number {
    const units = entries * Math.ceil(n / 8);
    const bp = this.alloc(units * k * 8);
    this.run('pack_b', [b, ldb, trans ? 1 : 0, k * n, k, n, bp], units, 1, entries * k * n);
    return bp;
  }

  /**
   * C[batch, M, N] = op(A)·op(B) (+ bias[N]) for row-major, contiguous operands at the given byte
   * offsets, where op transposes the stored [batch, K, M] / [batch, N, K] matrix when asked. A
   * batch of 1 on either side is shared by every entry. `c` must not overlap `a` or `b`.
   */
  matMul(p: {
    a: number;
    b: number;
    c: number;
    m: number;
    k: number;
    n: number;
    batchA?: number;
    batchB?: number;
    transA?: boolean;
    transB?: boolean;
    bias?: number;
  }): void {
    const { m, k, n, transA = false, transB = false } = p;
    const batchA = p.batchA ?? 1;
    const batchB = p.batchB ?? 1;
    const bp = this.pack(p.b, transB ? k : n, transB, k, n, batchB);
    try {
      // One shared B and untransposed A: every entry's rows form one taller product.
      const fold = batchB === 1 && !transA;
      const entries = fold ? 1 : Math.max(batchA, batchB);
      const rows = fold ? batchA * m : m;
      const args = [
        p.a,
        transA ? m : k,
        transA ? 1 : 0,
        batchA > 1 ? m * k : 0,
        bp,
        batchB > 1 ? Math.ceil(n / 8) * k * 8 : 0,
        rows,
        k,
        n,
        p.bias ?? 0,
        p.c,
        n,
        rows * n,
        0,
      ];
      this.run('gemm', args, entries * rows, 4, entries * rows * k * n);
    } finally {
      this.free(bp);
    }
  }

  /** NHWC conv (any stride, dilation and padding) of x with filter [KH, KW, Ci, Co], + bias. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    bias: TensorInfo | null,
    y: TensorInfo,
    info: backend_util.Conv2DInfo,
  ): void {
    if (winogradEligible(info)) return this.winogradConv2d(x, filter, bias, y, info);
    const { inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
    const { batchSize } = info;
    const k = filterHeight * filterWidth * inChannels;
    const wp = this.pack(this.ptr(filter), outChannels, false, k, outChannels);
    const zeros = this.alloc(inChannels, true);
    try {
      const pixels = batchSize * outHeight * outWidth;
      this.run(
        'conv2d',
        [this.ptr(x), wp, bias ? this.ptr(bias) : 0, this.ptr(y), zeros, ...geometry(info)],
        pixels,
        4,
        pixels * k * outChannels,
      );
    } finally {
      this.free(wp);
      this.free(zeros);
    }
  }

  /** conv2d by Winograd F(2×2, 3×3) (see winograd_conv in sgemm.c); `winogradEligible(info)`. */
  private winogradConv2d(
    x: TensorInfo,
    filter: TensorInfo,
    bias: TensorInfo | null,
    y: TensorInfo,
    info: backend_util.Conv2DInfo,
  ): void {
    const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth } = info;
    const co = info.outChannels;
    const tiles = batchSize * Math.ceil(outHeight / 2) * Math.ceil(outWidth / 2);
    const perTile = 16 * (ci + co);
    const pass = Math.max(1, Math.min(tiles, Math.floor(winogradScratchBytes / 4 / perTile)));
    const up = this.alloc(16 * ci * co);
    const zeros = this.alloc(ci, true);
    const v = this.alloc(pass * 16 * ci);
    const m = this.alloc(pass * 16 * co);
    try {
      this.run('winograd_filter', [this.ptr(filter), up, ci, co], ci, 1, 16 * ci * co * 4);
      const geom = [inHeight, inWidth, ci, outHeight, outWidth, co, info.padInfo.top];
      const args = [this.ptr(x), up, bias ? this.ptr(bias) : 0, this.ptr(y), zeros, v, m];
      for (let t0 = 0; t0 < tiles; t0 += pass) {
        const n = Math.min(pass, tiles - t0);
        this.run(
          'winograd_conv',
          [...args, t0, ...geom, info.padInfo.left],
          n,
          1,
          n * 16 * ci * co,
          t0,
        );
      }
    } finally {
      this.free(up);
      this.free(zeros);
      this.free(v);
      this.free(m);
    }
  }

  /** conv2dFilterGrad by the adjoint of Winograd F(2×2, 3×3) (winograd_grad_tiles in sgemm.c). */
  private winogradFilterGrad(
    x: TensorInfo,
    dy: TensorInfo,
    dw: TensorInfo,
    info: backend_util.Conv2DInfo,
  ): void {
    const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth } = info;
    const co = info.outChannels;
    const tiles = batchSize * Math.ceil(outHeight / 2) * Math.ceil(outWidth / 2);
    // A pass's transforms (the GEMM's reduction block) stay in L2.
    const pass = Math.max(
      1,
      Math.min(tiles, Math.floor(winogradGradPassBytes / 4 / (16 * (ci + co)))),
    );
    const du = this.alloc(16 * ci * co, true);
    const zeros = this.alloc(ci, true);
    const v = this.alloc(pass * 16 * ci);
    const dm = this.alloc(pass * 16 * co);
    try {
      const geom = [inHeight, inWidth, ci, outHeight, outWidth, co, info.padInfo.top];
      geom.push(info.padInfo.left);
      for (let t0 = 0; t0 < tiles; t0 += pass) {
        const n = Math.min(pass, tiles - t0);
        // Laid out for n tiles (a short last pass too): gemm reads panels K = n apart.
        const head = [this.ptr(x), this.ptr(dy), zeros, v, dm, t0, n];
        this.run('winograd_grad_tiles', [...head, ...geom], n, 1, n * 16 * (ci + co) * 4, t0);
        // dU[ξ] += V[ξ]ᵀ·dM[ξ] over the pass, rows (ξ, ci) split across threads.
        const gemmArgs = [v, ci, 1, n * ci, dm, (co / 8) * n * 8, ci, n, co, 0, du, co, ci * co, 1];
        this.run('gemm', gemmArgs, 16 * ci, 4, 16 * ci * n * co);
      }
      this.run('winograd_filter_grad', [du, this.ptr(dw), ci, co], ci, 1, 16 * ci * co * 4);
    } finally {
      this.free(du);
      this.free(zeros);
      this.free(v);
      this.free(dm);
    }
  }

  /**
   * GroupNorm of x [B, N, C] (C % 4 == 0) into y, with stats [B, G, 2] = (μ, 1/σ): see
   * group_norm in sgemm.c. Split over images.
   */
  groupNorm(p: {
    x: number;
    gamma: number;
    beta: number;
    y: number;
    stats: number;
    b: number;
    n: number;
    c: number;
    groups: number;
    eps: number;
  }): void {
    const scratch = this.alloc(p.b * GN_SCRATCH * p.c);
    const epsBits = new Int32Array(new Float32Array([p.eps]).buffer)[0];
    try {
      const args = [p.x, p.gamma, p.beta, p.y, p.stats, scratch, p.n, p.c, p.groups, epsBits];
      this.run('group_norm', args, p.b, 1, p.b * p.n * p.c * 8);
    } finally {
      this.free(scratch);
    }
  }

  /** dx of GroupNorm (no SiLU), and dγ, dβ summed over images in order (see group_norm_grad). */
  groupNormGrad(p: {
    x: number;
    dy: number;
    stats: number;
    gamma: number;
    dx: number;
    dGamma: Float32Array;
    dBeta: Float32Array;
    b: number;
    n: number;
    c: number;
    groups: number;
  }): void {
    const scratch = this.alloc(p.b * GN_SCRATCH * p.c);
    try {
      const args = [p.x, p.dy, p.stats, p.gamma, p.dx, scratch, p.n, p.c, p.groups];
      this.run('group_norm_grad', args, p.b, 1, p.b * p.n * p.c * 8);
      const sums = new Float32Array(this.memory.buffer, scratch, p.b * GN_SCRATCH * p.c);
      for (let ch = 0; ch < p.c; ch++) {
        let db = 0;
        let dg = 0;
        for (let i = 0; i < p.b; i++) {
          db += sums[i * GN_SCRATCH * p.c + ch];
          dg += sums[i * GN_SCRATCH * p.c + p.c + ch];
        }
        p.dBeta[ch] = db;
        p.dGamma[ch] = dg;
      }
    } finally {
      this.free(scratch);
    }
  }

  /** One AdamW update over `size` elements (see adamw in sgemm.c); floats go as f32 bits. */
  adamw(ptrs: number[], floats: number[], size: number): void {
    const bits = new Int32Array(new Float32Array(floats).buffer);
    this.run('adamw', [...ptrs, ...bits], size, 4, size * 4);
  }

  /** dW (zeroed here) of a conv with input x and output gradient dy; needs Co % 8 == 0. */
  conv2dFilterGrad(
    x: TensorInfo,
    dy: TensorInfo,
    dw: TensorInfo,
    info: backend_util.Conv2DInfo,
  ): void {
    const { inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
    const { batchSize } = info;
    if (outChannels % 8 !== 0) throw new Error('@sgdiff/nn: conv2dFilterGrad needs Co % 8 == 0');
    if (winogradEligible(info)) return this.winogradFilterGrad(x, dy, dw, info);
    const k = filterHeight * filterWidth * inChannels;
    new Float32Array(this.memory.buffer, this.ptr(dw), k * outChannels).fill(0);
    // Each call packs its own panels of a row chunk of dy here (disjoint across threads).
    const rows = this.chunkRows(outWidth, inChannels, outChannels);
    const scratch = this.alloc(rows * outWidth * outChannels);
    try {
      this.run(
        'conv2d_filter_grad',
        [this.ptr(x), this.ptr(dy), this.ptr(dw), scratch, batchSize, ...geometry(info)],
        outChannels / 8,
        1,
        batchSize * outHeight * outWidth * k * outChannels,
      );
    } finally {
      this.free(scratch);
    }
  }
}
