// Concat and SplitV for the wasm backend as block copies on the heap. Along axis a of row-major
// tensors both are, for each of the outer = ∏shape[:a] rows, a run of contiguous chunks, so each
// chunk is one `TypedArray.set`. The stock kernels took 5 ms (Concat) and 15 ms (SplitV) for a
// [24,16,16,192] UNet skip connection, the SplitV being Concat's gradient (2–4% of a B=24 step).
import {
  util,
  type ConcatAttrs,
  type KernelConfig,
  type KernelFunc,
  type SplitVAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Stock = (args: { inputs: object; attrs: object; backend: unknown }) => unknown;

const copyable = (t: TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

export function wasmConcat(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as Stock;
  const kernelFunc = (args: {
    inputs: TensorInfo[];
    attrs: ConcatAttrs;
    backend: WasmHeapBackend;
  }): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const first = inputs[0];
    if (!first || !inputs.every((t) => t.dtype === first.dtype && copyable(t)))
      return stockFunc(args) as TensorInfo;
    const rank = first.shape.length;
    const axis = util.parseAxisParam(attrs.axis, first.shape)[0];
    const same = (t: TensorInfo) =>
      t.shape.length === rank && t.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!inputs.every(same)) return stockFunc(args) as TensorInfo; // it reports the mismatch
    const outShape = [...first.shape];
    outShape[axis] = inputs.reduce((s, t) => s + t.shape[axis], 0);
    const outer = util.sizeFromShape(first.shape.slice(0, axis));
    const inner = util.sizeFromShape(first.shape.slice(axis + 1));
    const out = backend.makeOutput(outShape, first.dtype);
    const dst = backend.typedArrayFromHeap(out);
    const rowOut = outShape[axis] * inner;
    let offset = 0;
    for (const t of inputs) {
      const chunk = t.shape[axis] * inner;
      if (chunk === 0) continue;
      const src = backend.typedArrayFromHeap(t);
      for (let r = 0; r < outer; r++)
        dst.set(src.subarray(r * chunk, (r + 1) * chunk), r * rowOut + offset);
      offset += chunk;
    }
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}

export function wasmSplitV(stock: KernelConfig): KernelConfig {
  const stockFunc = stock.kernelFunc as unknown as Stock;
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    attrs: SplitVAttrs;
    backend: WasmHeapBackend;
  }): TensorInfo[] => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs;
    if (!copyable(x)) return stockFunc(args) as TensorInfo[];
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const { numOrSizeSplits } = attrs;
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      if (x.shape[axis] % numOrSizeSplits !== 0) return stockFunc(args) as TensorInfo[];
      sizes = new Array<number>(numOrSizeSplits).fill(x.shape[axis] / numOrSizeSplits);
    } else {
      sizes = [...numOrSizeSplits];
      const free = sizes.indexOf(-1);
      if (free >= 0)
        sizes[free] = x.shape[axis] - sizes.reduce((a, b) => a + (b === -1 ? 0 : b), 0);
      if (sizes.reduce((a, b) => a + b, 0) !== x.shape[axis] || sizes.some((s) => s < 0))
        return stockFunc(args) as TensorInfo[]; // it reports the bad split
    }
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const rowIn = x.shape[axis] * inner;
    const outs = sizes.map((size) => {
      const shape = [...x.shape];
      shape[axis] = size;
      return backend.makeOutput(shape, x.dtype);
    });
    const src = backend.typedArrayFromHeap(x); // after the allocations, which may grow the heap
    let offset = 0;
    sizes.forEach((size, k) => {
      const chunk = size * inner;
      const dst = backend.typedArrayFromHeap(outs[k]);
      for (let r = 0; r < outer; r++)
        dst.set(src.subarray(r * rowIn + offset, r * rowIn + offset + chunk), r * chunk);
      offset += chunk;
    });
    return outs;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelFunc };
}
