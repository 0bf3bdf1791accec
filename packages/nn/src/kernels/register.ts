import {
  AddN,
  BatchMatMul,
  Concat,
  Conv2D,
  FusedConv2D,
  _FusedMatMul,
  SplitV,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import { cpuResizeNearestNeighborGrad } from './cpu/resize-nearest-neighbor-grad.js';
import {
  conv2dBackpropFilterViaConv,
  conv2dBackpropFilterWasm,
} from './wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputWasm } from './wasm/conv2d-backprop-input.js';
import { wasmUnsortedSegmentSum } from './wasm/unsorted-segment-sum.js';
import { wasmBatchMatMul } from './wasm/batch-mat-mul.js';
import { wasmConcat, wasmSplitV } from './wasm/concat-split.js';
import { simdConv2D, simdFusedMatMul } from './wasm/simd-kernels.js';
import { cpuUnsortedSegmentSum } from './cpu/unsorted-segment-sum.js';
import { chunkedAddN } from './webgpu/add-n.js';

/** A kernel this package puts in place of a missing or broken tfjs 4.22 one. */
export interface KernelReplacement {
  kernelName: string;
  backendName: string;
  /** Builds the replacement, given the stock kernel where it wraps one. */
  build(stock: KernelConfig | undefined): KernelConfig;
}

const fixed = (k: KernelConfig): KernelReplacement => ({
  kernelName: k.kernelName,
  backendName: k.backendName,
  build: () => k,
});

export const KERNEL_REPLACEMENTS: readonly KernelReplacement[] = [
  fixed(conv2dBackpropFilterWasm('wasm')),
  fixed(conv2dBackpropInputWasm('wasm')),
  fixed(wasmUnsortedSegmentSum),
  {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    build: (stock) => {
      if (!stock) throw new Error('@sgdiff/nn: wasm BatchMatMul is not registered');
      return wasmBatchMatMul(stock);
    },
  },
  {
    kernelName: Concat,
    backendName: 'wasm',
    build: (stock) => {
      if (!stock) throw new Error('@sgdiff/nn: wasm Concat is not registered');
      return wasmConcat(stock);
    },
  },
  {
    kernelName: SplitV,
    backendName: 'wasm',
    build: (stock) => {
      if (!stock) throw new Error('@sgdiff/nn: wasm SplitV is not registered');
      return wasmSplitV(stock);
    },
  },
  ...[Conv2D, FusedConv2D, _FusedMatMul].map((kernelName): KernelReplacement => ({
    kernelName,
    backendName: 'wasm',
    build: (stock) => {
      if (!stock) throw new Error(`@sgdiff/nn: wasm ${kernelName} is not registered`);
      return kernelName === _FusedMatMul ? simdFusedMatMul(stock) : simdConv2D(stock);
    },
  })),
  fixed(cpuUnsortedSegmentSum),
  fixed(cpuResizeNearestNeighborGrad),
  // tfjs-webgpu's Conv2DDerFilterProgram is one thread per weight looping over every pixel
  // (~30 ms per gradient at B=32 on an H100); as a dilated conv it runs on the tiled Conv2DMM.
  fixed(conv2dBackpropFilterViaConv('webgpu')),
  {
    kernelName: AddN,
    backendName: 'webgpu',
    build: (stock) => {
      if (!stock) throw new Error('@sgdiff/nn: webgpu AddN is not registered');
      return chunkedAddN(stock);
    },
  },
];

const installed = new Set<KernelFunc>();
/** The kernel each installed replacement displaced (null where the backend had none). */
const displaced = new Map<string, KernelConfig | null>();

/** Whether the kernel now registered for (name, backend) is one of ours. */
export function isReplacementInstalled(kernelName: string, backendName: string): boolean {
  const k = getKernel(kernelName, backendName);
  return k != null && installed.has(k.kernelFunc);
}

/**
 * Registers the replacement kernels of one backend. Idempotent. Call it after that backend's
 * package was imported: a backend registers its stock kernels at import and would overwrite ours.
 */
export function registerTrainingKernels(backendName: string): void {
  for (const r of KERNEL_REPLACEMENTS) {
    if (r.backendName !== backendName) continue;
    const current = getKernel(r.kernelName, r.backendName);
    if (current && installed.has(current.kernelFunc)) continue;
    const replacement = r.build(current);
    if (current != null) unregisterKernel(r.kernelName, r.backendName);
    registerKernel(replacement);
    installed.add(replacement.kernelFunc);
    displaced.set(`${r.kernelName}/${r.backendName}`, current ?? null);
  }
}

/**
 * Puts the stock kernels back in place of this package's replacements on one backend (all of
 * them, or only `kernelNames`). For benchmarks that compare stock and replacement in one run;
 * `registerTrainingKernels` installs them again. A kernel the backend lacks stays missing.
 */
export function restoreStockKernels(backendName: string, kernelNames?: readonly string[]): void {
  for (const r of KERNEL_REPLACEMENTS) {
    if (r.backendName !== backendName) continue;
    if (kernelNames && !kernelNames.includes(r.kernelName)) continue;
    if (!isReplacementInstalled(r.kernelName, backendName)) continue;
    unregisterKernel(r.kernelName, backendName);
    const stock = displaced.get(`${r.kernelName}/${backendName}`);
    if (stock) registerKernel(stock);
  }
}
