/** What `initBackend` may be asked for. `tensorflow` is tfjs-node(-gpu), Node only. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'tensorflow';

/** Where the tfjs-backend-wasm binaries live: a folder URL/path ending in '/', or one per file. */
export type WasmPaths = string | Partial<Record<WasmBinaryName, string>>;
export type WasmBinaryName =
  'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

export interface InitBackendOptions {
  backend?: BackendChoice;
  /** Overrides where the WASM binaries are fetched from (see README: Vite `?url` imports). */
  wasmPaths?: WasmPaths;
  /** Receives the one-line summary; defaults to console.info. Pass `false` for silence. */
  log?: ((line: string) => void) | false;
}

export interface BackendInfo {
  /** The tfjs backend name now active. */
  backend: string;
  /** The adapter, renderer or runtime behind it, e.g. "nvidia hopper" or "wasm-simd". */
  adapter: string;
  /** True when a GPU API is served by a CPU rasteriser (llvmpipe, lavapipe, SwiftShader). */
  softwareFallback: boolean;
  /** Threads the backend computes with, where that is known (WASM). */
  threads?: number;
  /** Why the backend runs as it does, where that was a choice (e.g. the WASM thread count). */
  note?: string;
}

export function formatBackendInfo(info: BackendInfo): string {
  const threads = info.threads === undefined ? '' : ` threads=${info.threads}`;
  const note = info.note ? ` (${info.note})` : '';
  return `[@sgdiff/nn] backend=${info.backend} adapter="${info.adapter}"${threads} softwareFallback=${info.softwareFallback}${note}`;
}

export function logBackendInfo(info: BackendInfo, log: InitBackendOptions['log']): void {
  if (log === false) return;
  (log ?? console.info)(formatBackendInfo(info));
}
