/**
 * @sgdiff/nn: the TensorFlow.js runtime shared by every SGDiff model. Browser-safe; Node-only
 * parts (Dawn, fs checkpoints) are in '@sgdiff/nn/node'.
 */
export * as tf from './tf/index.js';
export { NN_VERSION } from './version.js';
export { initBackend } from './backend/init-backend.js';
export {
  formatBackendInfo,
  type BackendChoice,
  type BackendInfo,
  type InitBackendOptions,
  type WasmPaths,
  type WasmBinaryName,
} from './backend/types.js';
export { isSoftwareRenderer, describeWebGpuAdapter } from './backend/adapter-info.js';
export {
  registerTrainingKernels,
  restoreStockKernels,
  isReplacementInstalled,
  KERNEL_REPLACEMENTS,
  type KernelReplacement,
} from './kernels/register.js';
export { setFusedWebGpuKernels, fusedWebGpuKernelsEnabled } from './kernels/webgpu/fused.js';
export { setFusedWasmKernels, fusedWasmKernelsEnabled } from './kernels/wasm/group-norm.js';
export * from './modules/index.js';
export * from './init/initializers.js';
export * from './optim/index.js';
export * from './checkpoint/index.js';
