import * as tf from '../tf/index.js';
import { registerTrainingKernels } from '../kernels/register.js';
import { isSoftwareRenderer } from './adapter-info.js';
import type { WasmPaths } from './types.js';

/** Switches tfjs to `name` (already registered) and installs the replacement kernels. */
export async function activate(name: string): Promise<boolean> {
  registerTrainingKernels(name);
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch {
    ok = false;
  }
  if (ok) await tf.ready();
  // The cpu backend's one-time "install tfjs-node" banner: we log our own line instead.
  if (ok && name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return ok;
}

export async function loadWasmBackend(wasmPaths?: WasmPaths): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths as string);
}

export async function wasmRuntimeName(): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `wasm${simd ? '-simd' : ''}${threads ? '-threaded' : ''}`;
}

/** The WebGL renderer string, unmasked where the browser allows. */
export function webglRenderer(): { name: string; softwareFallback: boolean } {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } };
  const gl = backend.gpgpu?.gl;
  let name = 'unknown renderer';
  if (gl) {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  }
  return { name, softwareFallback: isSoftwareRenderer(name) };
}
