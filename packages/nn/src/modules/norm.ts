import * as tf from '../tf/index.js';
import { Module } from './module.js';
import { canFuseGroupNorm, groupNormWebGpu } from '../kernels/webgpu/group-norm.js';
import { canFuseGroupNormWasm, groupNormWasm } from '../kernels/wasm/group-norm.js';

export interface NormOptions {
  eps?: number;
  affine?: boolean;
}

/** Group normalisation over channels-last input of any rank ≥ 2 (NHWC images, [B, T, C] tokens). */
export class GroupNorm extends Module {
  readonly weight: tf.Variable | null; // [C]
  readonly bias: tf.Variable | null; // [C]
  readonly eps: number;

  constructor(
    readonly groups: number,
    readonly channels: number,
    options: NormOptions = {},
  ) {
    super();
    if (channels % groups !== 0)
      throw new Error(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? this.param(() => tf.ones([channels]), { decay: false }) : null;
    this.bias = affine ? this.param(() => tf.zeros([channels]), { decay: false }) : null;
  }

  /**
   * x: [B, ..., C] → same shape. `{silu: true}` returns silu(GroupNorm(x)), which on webgpu runs
   * as one fused kernel (forward and backward) instead of ~50 small ops. On wasm the norm runs as
   * fused JS loops over the heap (src/kernels/wasm/group-norm.ts; `setFusedWasmKernels(false)`
   * switches them off) and the SiLU as two wasm ops.
   */
  forward(x: tf.Tensor, options: { silu?: boolean } = {}): tf.Tensor {
    const silu = options.silu ?? false;
    if (canFuseGroupNorm(x, this.groups))
      return groupNormWebGpu(x, this.weight, this.bias, this.groups, this.eps, silu);
    if (canFuseGroupNormWasm(x, this.groups))
      return groupNormWasm(x, this.weight, this.bias, this.groups, this.eps, silu);
    if (!silu) return this.unfused(x);
    return tf.tidy(() => {
      const y = this.unfused(x);
      return tf.mul(y, tf.sigmoid(y));
    });
  }

  // The plain tfjs composition (every backend; webgpu with fused kernels switched off).
  private unfused(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const b = x.shape[0];
      const g = tf.reshape(x, [b, -1, this.groups, this.channels / this.groups]); // [B, N, G, C/G]
      const { mean, variance } = tf.moments(g, [1, 3], true);
      const normed = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps)));
      let y = tf.reshape(normed, x.shape);
      if (this.weight) y = tf.add(tf.mul(y, this.weight), this.bias as tf.Variable);
      return y;
    });
  }
}

/** Layer normalisation over the last axis. */
export class LayerNorm extends Module {
  readonly weight: tf.Variable | null; // [D]
  readonly bias: tf.Variable | null; // [D]
  readonly eps: number;

  constructor(
    readonly dim: number,
    options: NormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? this.param(() => tf.ones([dim]), { decay: false }) : null;
    this.bias = affine ? this.param(() => tf.zeros([dim]), { decay: false }) : null;
  }

  // x: [..., D] → same shape
  forward(x: tf.Tensor): tf.Tensor {
    // LayerNorm is GroupNorm with one group over rows of one position: the fused kernels then
    // replace the ~10 ops of the composition below, forward and backward.
    if (x.rank >= 2 && (canFuseGroupNormWasm(x, 1) || canFuseGroupNorm(x, 1))) {
      return tf.tidy(() => {
        const rows = tf.reshape(x, [-1, 1, this.dim]);
        const y = canFuseGroupNormWasm(rows, 1)
          ? groupNormWasm(rows, this.weight, this.bias, 1, this.eps, false)
          : groupNormWebGpu(rows, this.weight, this.bias, 1, this.eps, false);
        return tf.reshape(y, x.shape);
      });
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.add(tf.mul(y, this.weight), this.bias as tf.Variable);
      return y;
    });
  }
}
