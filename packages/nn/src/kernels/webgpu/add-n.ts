import {
  AddN,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * tfjs-webgpu binds every AddN input as a storage buffer. WebGPU's default limit is 8 per shader
 * stage, so AddN of 8+ tensors (e.g. a global gradient norm) fails validation and returns
 * garbage without an error. Summing in chunks of 7 (+ 1 output) stays within the limit.
 */
export const WEBGPU_ADDN_CHUNK = 7;

export function chunkedAddN(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: Parameters<KernelFunc>[0]): TensorInfo => {
    const run = (list: TensorInfo[]) =>
      stock.kernelFunc({ inputs: list as never, backend, attrs }) as TensorInfo;
    let list = inputs as unknown as TensorInfo[];
    const temps: TensorInfo[] = [];
    while (list.length > WEBGPU_ADDN_CHUNK) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < list.length; i += WEBGPU_ADDN_CHUNK) {
        const chunk = list.slice(i, i + WEBGPU_ADDN_CHUNK);
        if (chunk.length === 1) next.push(chunk[0]);
        else {
          const partial = run(chunk);
          temps.push(partial);
          next.push(partial);
        }
      }
      list = next;
    }
    const out = run(list);
    for (const t of temps) (backend as KernelBackend).disposeData(t.dataId);
    return out;
  };
  return { kernelName: AddN, backendName: 'webgpu', kernelFunc: kernelFunc as KernelFunc };
}
