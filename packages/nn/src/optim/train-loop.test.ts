import * as tf from '../tf/index.js';
import { describeOnBackends } from '../testing/backends.js';
import { Module } from '../modules/module.js';
import { Conv2d } from '../modules/conv2d.js';
import { GroupNorm } from '../modules/norm.js';
import { Upsample } from '../modules/upsample.js';
import { Embedding } from '../modules/embedding.js';
import { MultiHeadAttention } from '../modules/attention.js';
import { silu } from '../modules/activations.js';
import { AdamW } from './adamw.js';
import { EMA } from './ema.js';
import { warmupCosine } from './lr-schedule.js';
import { trainStep } from './train-step.js';

/** Every block kind a diffusion UNet uses: conv, GN, upsample, token embedding, cross-attention. */
class TinyUNet extends Module {
  readonly embed = new Embedding(5, 8, { seed: 1 });
  readonly conv1 = new Conv2d(3, 8, { stride: 2, seed: 2 });
  readonly norm = new GroupNorm(2, 8);
  readonly attn = new MultiHeadAttention(8, { heads: 2, dropout: 0.1 });
  readonly up = new Upsample(8, { outChannels: 3 });

  // x: [B, 8, 8, 3], ids: [B, T] → [B, 8, 8, 3]
  forward(x: tf.Tensor4D, ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = silu(this.norm.forward(this.conv1.forward(x))) as tf.Tensor4D; // [B, 4, 4, 8]
      const [b, hh, ww, c] = h.shape;
      const tokens = tf.reshape(h, [b, hh * ww, c]) as tf.Tensor3D;
      const ctx = this.embed.forward(ids) as tf.Tensor3D;
      const a = tf.add(tokens, this.attn.forward(tokens, ctx, mask));
      return this.up.forward(tf.reshape(a, [b, hh, ww, c]) as tf.Tensor4D);
    });
  }
}

describeOnBackends(['wasm', 'webgpu'], (backend) => {
  it('100 train steps keep tf.memory().numTensors flat and reduce the loss', async () => {
    const model = new TinyUNet();
    const opt = new AdamW(model.parameters(), {
      lr: warmupCosine({ peakLr: 3e-3, warmupSteps: 10, totalSteps: 100 }),
    });
    const ema = new EMA(model, { decay: 0.9 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const target = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const ids = tf.tensor2d([1, 2, 3, 0, 4, 4, 0, 0], [2, 4], 'int32');
    const mask = tf.tensor2d([1, 1, 1, 0, 1, 1, 0, 0], [2, 4]);
    const lossFn = () =>
      tf.losses.meanSquaredError(target, model.forward(x, ids, mask)) as tf.Scalar;
    const steps = backend === 'webgpu' ? 20 : 100;
    const first = await trainStep(model, opt, lossFn, { clipNorm: 1 });
    ema.update();
    const flat = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < steps; i++) {
      last = await trainStep(model, opt, lossFn, { clipNorm: 1 });
      ema.update();
      expect(tf.memory().numTensors).toBe(flat);
    }
    expect(last.loss).toBeLessThan(first.loss * 0.9);
    expect(opt.step).toBe(steps);
    tf.dispose([x, target, ids, mask]);
    [model, opt, ema].forEach((o) => o.dispose());
  });
});
