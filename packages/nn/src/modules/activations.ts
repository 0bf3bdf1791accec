import * as tf from '../tf/index.js';
import { Module } from './module.js';

/** x·σ(x) (a.k.a. swish). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** Exact GELU, ½x(1 + erf(x/√2)), or PyTorch's tanh approximation. */
export function gelu(x: tf.Tensor, approximate: 'none' | 'tanh' = 'none'): tf.Tensor {
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  });
}

export type Activation = 'silu' | 'gelu' | 'gelu_tanh' | 'relu';

export function activate(x: tf.Tensor, kind: Activation): tf.Tensor {
  switch (kind) {
    case 'silu':
      return silu(x);
    case 'gelu':
      return gelu(x);
    case 'gelu_tanh':
      return gelu(x, 'tanh');
    case 'relu':
      return tf.relu(x);
  }
}

export class SiLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return silu(x);
  }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x, this.approximate);
  }
}
