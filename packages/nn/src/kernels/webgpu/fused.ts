// Fused WebGPU kernels (GroupNorm ± SiLU forward/backward, AdamW): shared plumbing.
//
// Single-output kernels are `WebGPUProgram`s run through `backend.runWebGPUProgram`, the
// backend's own program API (shader header, uniforms, pipeline cache, dispatch batching).
// AdamW writes three tensors in one dispatch, which that API cannot express (one output binding):
// `runMultiOutput` records such a dispatch into the backend's command encoder itself. Both are
// registered as ordinary tfjs kernels (`tf.engine().runKernel`), so tfjs tracks their memory and
// `tf.profile` counts them.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '../../tf/index.js';

let enabled = true;

/**
 * Turns this package's fused WebGPU kernels (GroupNorm ± SiLU, AdamW) on or off. On by default;
 * off, `GroupNorm` and `AdamW` use the plain tfjs composition on every backend (benchmarks use
 * this to compare in one run). Backends other than webgpu never use them.
 */
export function setFusedWebGpuKernels(on: boolean): void {
  enabled = on;
}

/** Whether the fused WebGPU kernels are switched on (see `setFusedWebGpuKernels`). */
export function fusedWebGpuKernelsEnabled(): boolean {
  return enabled;
}

/** The members of tfjs-backend-webgpu 4.22's backend that the fused kernels rely on. */
interface BackendInternals {
  device: GPUDevice;
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: ProgramUniform[],
  ): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: tf.TensorInfo): GPUBindingResource;
  makeUniforms(uniforms: ProgramUniform[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  activeTimers: unknown[] | null;
}

export interface ProgramUniform {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

const REQUIRED = [
  'runWebGPUProgram',
  'makeTensorInfo',
  'uploadToGPU',
  'tensorToBinding',
  'makeUniforms',
  'ensureCommandEncoderReady',
  'endComputePassEncoder',
  'submitQueue',
] as const;

/** The active backend as a WebGPU backend whose internals match what the kernels expect, or null. */
export function webgpuInternals(backend: unknown = tf.backend()): BackendInternals | null {
  const b = backend as Partial<Record<string, unknown>> | null;
  if (!b || typeof b !== 'object' || !('device' in b)) return null;
  for (const k of REQUIRED) if (typeof b[k] !== 'function') return null;
  return b as unknown as BackendInternals;
}

/** Whether fused kernels should run now: switched on, float32, and the active backend is webgpu. */
export function useFusedWebGpu(...tensors: tf.Tensor[]): boolean {
  return (
    enabled &&
    tf.getBackend() === 'webgpu' &&
    tensors.every((t) => t.dtype === 'float32') &&
    webgpuInternals() !== null
  );
}

/** Registers `config` for webgpu unless something is registered under that name already. */
export function ensureKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (!tf.getKernel(kernelName, 'webgpu'))
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
}

/** Runs a one-output program through the backend's program API. */
export function runProgram(
  backend: unknown,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms: ProgramUniform[] = [],
): tf.TensorInfo {
  const b = webgpuInternals(backend);
  if (!b)
    throw new Error(
      '@sgdiff/nn: fused kernel run on a backend that is not tfjs-backend-webgpu 4.x',
    );
  return b.runWebGPUProgram(program, inputs, 'float32', uniforms);
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export interface MultiOutputProgram {
  /** Cache key: everything that changes the WGSL text. */
  key: string;
  /**
   * A complete WGSL module with entry point `main`: outputs at bindings 0..k−1
   * (`read_write`), inputs at k.., the uniform struct last.
   */
  code: string;
  outputShapes: number[][];
  workgroups: [number, number, number];
}

/**
 * Records one dispatch that writes several new float32 tensors, into the backend's own command
 * encoder and compute pass (so ordering with tfjs's other work is kept), and returns them.
 */
export function runMultiOutput(
  backend: unknown,
  program: MultiOutputProgram,
  inputs: tf.TensorInfo[],
  uniforms: ProgramUniform[],
): tf.TensorInfo[] {
  const b = webgpuInternals(backend);
  if (!b)
    throw new Error(
      '@sgdiff/nn: fused kernel run on a backend that is not tfjs-backend-webgpu 4.x',
    );
  const outputs = program.outputShapes.map((s) => b.makeTensorInfo(s, 'float32'));
  if (outputs.some((o) => tf.util.sizeFromShape(o.shape) === 0))
    throw new Error('runMultiOutput: empty output');
  for (const t of [...outputs, ...inputs]) b.uploadToGPU(t.dataId);
  let cache = pipelines.get(b.device);
  if (!cache) pipelines.set(b.device, (cache = new Map()));
  let pipeline = cache.get(program.key);
  if (!pipeline) {
    const module = b.device.createShaderModule({ code: program.code, label: program.key });
    pipeline = b.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: program.key,
    });
    cache.set(program.key, pipeline);
  }
  const entries = [...outputs, ...inputs].map((t, i) => ({
    binding: i,
    resource: b.tensorToBinding(t),
  }));
  entries.push({ binding: entries.length, resource: b.makeUniforms(uniforms) });
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  for (const t of [...outputs, ...inputs]) b.commandQueueOwnedIds.add(t.dataId);
  b.ensureCommandEncoderReady();
  // While tf.time() is active the backend opens a timed pass per program: keep ours separate.
  if (b.activeTimers != null) b.endComputePassEncoder();
  if (!b.computePassEncoder)
    b.computePassEncoder = (b.commandEncoder as GPUCommandEncoder).beginComputePass({});
  const pass = b.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...program.workgroups);
  b.dispatchCountInPass++;
  const batch = Number(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'));
  if (b.activeTimers != null || batch <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

/**
 * Workgroup counts for `n` workgroups in a 1-D grid, folded into 2-D above the per-dimension
 * limit. The shader's linear workgroup id is `wid.y * nwg.x + wid.x` (see `LINEAR_WORKGROUP`).
 */
export function gridFor(backend: unknown, n: number): [number, number, number] {
  const b = webgpuInternals(backend);
  const max = b?.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  if (n <= max) return [n, 1, 1];
  const x = max;
  return [x, Math.ceil(n / x), 1];
}
