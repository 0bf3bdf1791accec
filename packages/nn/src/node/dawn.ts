import type { WebGpuAdapterLike } from '../backend/adapter-info.js';

type Gpu = { requestAdapter(o?: object): Promise<WebGpuAdapterLike | null> };

let gpu: Gpu | null = null;

/**
 * Installs Dawn (npm `webgpu`) as `navigator.gpu`. It must run before
 * @tensorflow/tfjs-backend-webgpu is imported: that package registers only if navigator.gpu exists.
 */
export async function installDawn(): Promise<Gpu> {
  if (gpu) return gpu;
  const { create, globals } = (await import('webgpu')) as unknown as {
    create(flags: string[]): Gpu;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, globals);
  gpu = create([]);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  } else if (g.navigator.gpu == null) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  return gpu;
}
