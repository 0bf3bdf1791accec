// Recognising CPU-backed GPU adapters: they are correct but far slower than WASM for training.
const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|swiftshader|software|basic render|softpipe/i;

export function isSoftwareRenderer(name: string): boolean {
  return SOFTWARE_RENDERERS.test(name);
}

/** The fields of GPUAdapterInfo we read; Dawn in Node and browsers both provide them. */
export interface WebGpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}

export function describeWebGpuAdapter(adapter: WebGpuAdapterLike): {
  name: string;
  softwareFallback: boolean;
} {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  const name = [...new Set(parts)].join(' ') || 'unknown adapter';
  const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true;
  return { name, softwareFallback: fallback || isSoftwareRenderer(name) };
}
