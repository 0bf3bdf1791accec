import { activate, loadWasmBackend, wasmRuntimeName, webglRenderer } from './activate.js';
import { describeWebGpuAdapter, type WebGpuAdapterLike } from './adapter-info.js';
import {
  logBackendInfo,
  type BackendChoice,
  type BackendInfo,
  type InitBackendOptions,
} from './types.js';

type Gpu = { requestAdapter(o?: object): Promise<WebGpuAdapterLike | null> };

/** Browser backend selection. `auto` tries WebGPU → WebGL → WASM. */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const choice: BackendChoice = options.backend ?? 'auto';
  const order: BackendChoice[] = choice === 'auto' ? ['webgpu', 'webgl', 'wasm'] : [choice];
  const failures: string[] = [];
  for (const name of order) {
    const info = await tryBrowserBackend(name, options).catch((e: unknown) => {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
    if (info) {
      logBackendInfo(info, options.log);
      return info;
    }
  }
  throw new Error(`@sgdiff/nn: no backend could start (${failures.join('; ')})`);
}

async function tryBrowserBackend(
  name: BackendChoice,
  options: InitBackendOptions,
): Promise<BackendInfo | null> {
  switch (name) {
    case 'webgpu': {
      const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
      const adapter = gpu ? await gpu.requestAdapter() : null;
      if (!adapter) throw new Error('navigator.gpu gave no adapter');
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await activate('webgpu'))) throw new Error('tfjs could not start webgpu');
      const { name: adapterName, softwareFallback } = describeWebGpuAdapter(adapter);
      return { backend: 'webgpu', adapter: adapterName, softwareFallback };
    }
    case 'webgl': {
      await import('@tensorflow/tfjs-backend-webgl');
      if (!(await activate('webgl'))) throw new Error('tfjs could not start webgl');
      const r = webglRenderer();
      return { backend: 'webgl', adapter: r.name, softwareFallback: r.softwareFallback };
    }
    case 'wasm': {
      await loadWasmBackend(options.wasmPaths);
      if (!(await activate('wasm'))) throw new Error('tfjs could not start wasm');
      return { backend: 'wasm', adapter: await wasmRuntimeName(), softwareFallback: false };
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await activate('cpu'))) throw new Error('tfjs could not start cpu');
      return { backend: 'cpu', adapter: 'javascript', softwareFallback: false };
    }
    default:
      throw new Error(`backend "${name}" is not available in the browser`);
  }
}
