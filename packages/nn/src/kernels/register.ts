import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { cpuResizeNearestNeighborGrad } from './cpu/resize-nearest-neighbor-grad.js';
import { conv2dBackpropFilterViaConv } from './wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputViaConv } from './wasm/conv2d-backprop-input.js';
import { wasmUnsortedSegmentSum } from './wasm/unsorted-segment-sum.js';

/** Kernels this package puts in place of missing or broken tfjs 4.22 ones. */
export const TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2dBackpropFilterViaConv('wasm'),
  conv2dBackpropInputViaConv('wasm'),
  wasmUnsortedSegmentSum,
  cpuResizeNearestNeighborGrad,
];

/**
 * Registers the replacement kernels of one backend. Idempotent. Call it after that backend's
 * package was imported: a backend registers its stock kernels at import and would overwrite ours.
 */
export function registerTrainingKernels(backendName: string): void {
  for (const k of TRAINING_KERNELS) {
    if (k.backendName !== backendName) continue;
    const current = getKernel(k.kernelName, k.backendName);
    if (current?.kernelFunc === k.kernelFunc) continue;
    if (current != null) unregisterKernel(k.kernelName, k.backendName);
    registerKernel(k);
  }
}
