import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array;
}

// wasm has no UnsortedSegmentSum, which the gather (embedding) gradient needs. wasm memory is
// synchronous, so a scatter-add loop over the heap is simple and linear in the input size.
// Ids outside [0, numSegments) are dropped, as in TensorFlow.
function unsortedSegmentSum({
  inputs,
  attrs,
  backend,
}: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: UnsortedSegmentSumAttrs;
  backend: WasmHeapBackend;
}): TensorInfo {
  const { x, segmentIds } = inputs; // x: [...S, ...D], segmentIds: [...S]
  const { numSegments } = attrs;
  const inner = util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const ys = backend.typedArrayFromHeap(out);
  ys.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const src = i * inner;
    const dst = id * inner;
    for (let j = 0; j < inner; j++) ys[dst + j] += xs[src + j];
  }
  return out;
}

export const wasmUnsortedSegmentSum: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
