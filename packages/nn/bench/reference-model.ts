// docs/toolchain.md's reference block: 4 residual blocks, each h + conv3x3(silu(GN(conv3x3(silu(GN(h)))))).
import { Conv2d, GroupNorm, Module, tf } from '../src/node/index.js';

export class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  constructor(c: number) {
    super();
    this.norm1 = new GroupNorm(32, c);
    this.conv1 = new Conv2d(c, c, { bias: false });
    this.norm2 = new GroupNorm(32, c);
    this.conv2 = new Conv2d(c, c, { bias: false });
  }
  // h: [B, H, W, C]
  forward(h: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      // {silu: true} is silu(GN(h)), fused into the norm kernel on webgpu and wasm.
      const a = this.conv1.forward(this.norm1.forward(h, { silu: true }) as tf.Tensor4D);
      return tf.add(h, this.conv2.forward(this.norm2.forward(a, { silu: true }) as tf.Tensor4D));
    });
  }
}

export class ReferenceBlock extends Module {
  readonly blocks: ResBlock[];
  constructor(c: number) {
    super();
    this.blocks = [0, 1, 2, 3].map(() => new ResBlock(c));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((h, b) => b.forward(h), x));
  }
}
