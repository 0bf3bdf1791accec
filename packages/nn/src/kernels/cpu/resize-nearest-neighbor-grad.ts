import {
  ResizeNearestNeighborGrad,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
}

/**
 * The input index that nearest-neighbour resizing reads for output index `o`, exactly as tfjs's
 * forward kernel computes it (half-pixel centres off, which is what the gradient is told).
 */
export function nearestSourceIndex(
  o: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
): number {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const frac = o * scale;
  return Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
}

// tfjs-backend-cpu's kernel offsets dy rows by the *images* batch stride, so every batch after
// the first reads the wrong rows. Scatter-adding each dy pixel into the pixel it came from is
// both correct and linear in the size of dy.
function resizeNearestNeighborGrad({
  inputs,
  attrs,
  backend,
}: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  attrs: ResizeNearestNeighborGradAttrs;
  backend: CpuBackend;
}): TensorInfo {
  const { images, dy } = inputs; // images: [B, H, W, C], dy: [B, OH, OW, C]
  const [batch, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const dys = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * h * w * c);
  const rows = Array.from({ length: oh }, (_, r) =>
    nearestSourceIndex(r, h, oh, attrs.alignCorners),
  );
  const cols = Array.from({ length: ow }, (_, q) =>
    nearestSourceIndex(q, w, ow, attrs.alignCorners),
  );
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const src = ((b * oh + r) * ow + q) * c;
        const dst = ((b * h + rows[r]) * w + cols[q]) * c;
        for (let k = 0; k < c; k++) dx[dst + k] += dys[src + k];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', dx);
}

export const cpuResizeNearestNeighborGrad: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};
