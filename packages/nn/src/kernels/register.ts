import { AddN, getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { cpuResizeNearestNeighborGrad } from './cpu/resize-nearest-neighbor-grad.js';
import { conv2dBackpropFilterViaConv } from './wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputViaConv } from './wasm/conv2d-backprop-input.js';
import { wasmUnsortedSegmentSum } from './wasm/unsorted-segment-sum.js';
import { chunkedAddN } from './webgpu/add-n.js';

/** A kernel this package puts in place of a missing or broken tfjs 4.22 one. */
export interface KernelReplacement {
  kernelName: string;
  backendName: string;
  /** Builds the replacement, given the stock kernel where it wraps one. */
  build(stock: KernelConfig | undefined): KernelConfig;
}

const fixed = (k: KernelConfig): KernelReplacement => ({ kernelName: k.kernelName, backendName: k.backendName, build: () => k });

export const KERNEL_REPLACEMENTS: readonly KernelReplacement[] = [
  fixed(conv2dBackpropFilterViaConv('wasm')),
  fixed(conv2dBackpropInputViaConv('wasm')),
  fixed(wasmUnsortedSegmentSum),
  fixed(cpuResizeNearestNeighborGrad),
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
  }
}
