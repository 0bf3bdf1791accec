import {
  getKernel,
  type DataType,
  type KernelBackend,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

// Replacement kernels are built from kernels the backend already has, called at the TensorInfo
// level: no tensors are created, nothing is taped, and each intermediate is freed explicitly.
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  run(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: NamedAttrMap = {},
  ): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (kernel == null)
      throw new Error(`@sgdiff/nn: kernel ${kernelName} is missing on ${this.backendName}`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Frees an intermediate now (inside a loop), rather than at `finish`. */
  free(t: TensorInfo): void {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    this.backend.disposeData(t.dataId);
  }

  /** Adopts a TensorInfo made outside `run` (e.g. by `makeOutput`) so that `finish` frees it. */
  adopt(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  /** Crops the spatial axes of an NHWC tensor where a requested padding is negative. */
  cropNegative(
    x: TensorInfo,
    pads: [[number, number], [number, number]],
  ): {
    x: TensorInfo;
    pads: [[number, number], [number, number]];
  } {
    const [[t, b], [l, r]] = pads;
    if (t >= 0 && b >= 0 && l >= 0 && r >= 0) return { x, pads };
    const [n, h, w, c] = x.shape;
    const top = Math.max(0, -t);
    const left = Math.max(0, -l);
    const height = h - top - Math.max(0, -b);
    const width = w - left - Math.max(0, -r);
    const cropped = this.slice(x, [0, top, left, 0], [n, height, width, c]);
    return {
      x: cropped,
      pads: [
        [Math.max(0, t), Math.max(0, b)],
        [Math.max(0, l), Math.max(0, r)],
      ],
    };
  }

  /** A stride-1 NHWC conv with explicit non-negative padding and optional dilation. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pads: [[number, number], [number, number]],
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      {
        strides: [1, 1],
        pad: [[0, 0], pads[0], pads[1], [0, 0]],
        dataFormat: 'NHWC',
        dilations,
        dimRoundingMode: undefined as unknown as string,
      },
    );
  }

  makeOutput(shape: number[], dtype: DataType): TensorInfo {
    const out = (
      this.backend as unknown as { makeOutput(s: number[], d: DataType): TensorInfo }
    ).makeOutput(shape, dtype);
    this.temps.push(out);
    return out;
  }

  /** Frees every intermediate except `keep`, which the kernel returns. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}
