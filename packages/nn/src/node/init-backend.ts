import * as tf from '../tf/index.js';
import { activate, loadWasmBackend, wasmRuntimeName } from '../backend/activate.js';
import { describeWebGpuAdapter } from '../backend/adapter-info.js';
import {
  logBackendInfo,
  type BackendChoice,
  type BackendInfo,
  type InitBackendOptions,
} from '../backend/types.js';
import { installDawn } from './dawn.js';
import { nodeWasmDir } from './wasm-paths.js';
import {
  activeWasmThreads,
  planWasmThreads,
  useStockWasm,
  useThreadedWasm,
  type ThreadsChoice,
} from './wasm-threads.js';

export interface NodeInitBackendOptions extends InitBackendOptions {
  /** Let `auto` pick a software WebGPU adapter (lavapipe). Off: WASM is faster for training. */
  allowSoftwareWebGpu?: boolean;
  /**
   * WASM threads: a count, or `auto` (default) for the cores free at start-up. Above 1 runs
   * tfjs's threaded SIMD build; if that cannot start, the single-threaded one runs and the log
   * line says why. Other backends ignore it. Set it before any tensor is made on wasm.
   */
  threads?: ThreadsChoice;
}

/**
 * Node backend selection. `auto`: tfjs-node-gpu / tfjs-node (if installed) → WebGPU on Dawn with
 * a real GPU adapter → WASM → CPU. An explicit choice that cannot start throws.
 */
export async function initBackend(options: NodeInitBackendOptions = {}): Promise<BackendInfo> {
  const choice: BackendChoice = options.backend ?? 'auto';
  const order: BackendChoice[] =
    choice === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [choice];
  const failures: string[] = [];
  for (const name of order) {
    try {
      const info = await tryNodeBackend(name, options, choice === 'auto');
      logBackendInfo(info, options.log);
      return info;
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`@sgdiff/nn: no backend could start (${failures.join('; ')})`);
}

// Optional packages: a computed specifier keeps TypeScript and bundlers from resolving them.
async function importOptional(name: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name);
}

async function tryNodeBackend(
  name: BackendChoice,
  options: NodeInitBackendOptions,
  auto: boolean,
): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow': {
      let loaded = '';
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await importOptional(pkg);
          loaded = pkg;
          break;
        } catch {
          // not installed or libtensorflow missing: try the next one
        }
      }
      if (!loaded)
        throw new Error('neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed');
      if (!(await activate('tensorflow')))
        throw new Error(`${loaded} loaded but its backend did not start`);
      return {
        backend: 'tensorflow',
        adapter: loaded.endsWith('-gpu') ? 'libtensorflow-gpu' : 'libtensorflow',
        softwareFallback: false,
      };
    }
    case 'webgpu': {
      const gpu = await installDawn();
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new Error('Dawn found no WebGPU adapter (is a Vulkan driver installed?)');
      const described = describeWebGpuAdapter(adapter);
      if (auto && described.softwareFallback && !options.allowSoftwareWebGpu) {
        throw new Error(`adapter "${described.name}" is a software fallback`);
      }
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await activate('webgpu'))) throw new Error('tfjs could not start webgpu');
      return {
        backend: 'webgpu',
        adapter: described.name,
        softwareFallback: described.softwareFallback,
      };
    }
    case 'wasm': {
      await loadWasmBackend(options.wasmPaths ?? nodeWasmDir());
      // Another thread count means another backend instance, and the old one's tensors would
      // die with it: while tensors live on wasm, its thread count stays.
      const running = tf.findBackend('wasm') as { numDataIds(): number } | null;
      const current =
        running !== null && running.numDataIds() > 0 ? await activeWasmThreads() : null;
      const choice = options.threads ?? 'auto';
      let plan =
        current !== null && choice === 'auto'
          ? // No need to sample the load (150 ms) for a count that cannot change.
            { threads: current, reason: 'auto: the running backend kept' }
          : await planWasmThreads(choice);
      let note = plan.threads === 1 && options.threads !== 1 ? plan.reason : undefined;
      if (current !== null && current !== plan.threads) {
        note = `kept ${current} thread(s): tensors live on the running wasm backend`;
        plan = { threads: current, reason: note };
      }
      let started = false;
      if (plan.threads > 1) {
        try {
          await useThreadedWasm(plan.threads);
          started = await activate('wasm');
          if (!started) throw new Error('the threaded build did not start');
        } catch (e) {
          note = `threaded build failed, 1 thread: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (!started) {
        useStockWasm();
        if (!(await activate('wasm'))) throw new Error('tfjs could not start wasm');
      }
      const threads = await activeWasmThreads();
      return {
        backend: 'wasm',
        adapter: `${await wasmRuntimeName()}${threads > 1 ? '-threaded' : ''}`,
        softwareFallback: false,
        threads,
        ...(note ? { note } : {}),
      };
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await activate('cpu'))) throw new Error('tfjs could not start cpu');
      return { backend: 'cpu', adapter: 'javascript', softwareFallback: false };
    }
    default:
      throw new Error(`backend "${name}" is not available in Node`);
  }
}
