import { Conv2d, GroupNorm, Linear, Module, Upsample, silu, tf } from '@sgdiff/nn';
import { Downsample, ResBlock, normGroups } from '../blocks/res-block.js';
import { SpatialTransformer } from '../blocks/spatial-transformer.js';
import type { UNetConfig } from './config.js';
import { timestepEmbedding } from './timestep-embedding.js';

/** One step of either path: a res block, optionally followed by a transformer. */
class Stage extends Module {
  constructor(
    readonly res: ResBlock,
    readonly attn: SpatialTransformer | null,
  ) {
    super();
  }
  forward(x: tf.Tensor4D, emb: tf.Tensor2D, ctx: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.res.forward(x, emb);
      return this.attn ? this.attn.forward(h, ctx, mask) : h;
    });
  }
}

/**
 * The latent-diffusion UNet that SGDiff uses, cross-attending to graph tokens. Predicts ε.
 * Down path: per level, `numResBlocks` stages then a stride-2 conv (not after the last level).
 * Middle: res → transformer → res. Up path: per level, `numResBlocks + 1` stages over the
 * concatenated skip, then nearest ×2 + conv. H and W must divide by 2^(levels − 1).
 */
export class UNet extends Module {
  readonly timeEmbed1: Linear;
  readonly timeEmbed2: Linear;
  readonly globalEmbed?: Linear;
  readonly inputConv: Conv2d;
  readonly layoutConv?: Conv2d;
  readonly down: Stage[] = [];
  readonly downsample: (Downsample | null)[] = [];
  readonly midRes1: ResBlock;
  readonly midAttn: SpatialTransformer;
  readonly midRes2: ResBlock;
  readonly up: Stage[] = [];
  readonly upsample: (Upsample | null)[] = [];
  readonly outNorm: GroupNorm;
  readonly outConv: Conv2d;

  constructor(readonly config: UNetConfig) {
    super();
    const {
      modelChannels: mc,
      channelMult,
      numResBlocks,
      dropout,
      groups,
      contextDim,
      headChannels,
    } = config;
    const embDim = 4 * mc;
    this.timeEmbed1 = new Linear(mc, embDim);
    this.timeEmbed2 = new Linear(embDim, embDim);
    // Zero-initialised: the model starts as if the option were off.
    if (config.globalEmbedding)
      this.globalEmbed = new Linear(contextDim, embDim, { init: 'zeros' });
    this.inputConv = new Conv2d(config.inChannels, mc, { kernelSize: 3 });
    if (config.layoutChannels)
      this.layoutConv = new Conv2d(config.layoutChannels, mc, {
        kernelSize: 3,
        init: 'zeros',
        bias: false,
      });
    const attn = (level: number, ch: number) =>
      config.attentionLevels.includes(level)
        ? new SpatialTransformer(ch, { contextDim, headChannels, dropout, groups })
        : null;

    const skipChannels = [mc];
    let ch = mc;
    channelMult.forEach((mult, level) => {
      for (let i = 0; i < numResBlocks; i++) {
        const out = mc * mult;
        this.down.push(
          new Stage(
            new ResBlock(ch, { outChannels: out, embDim, dropout, groups }),
            attn(level, out),
          ),
        );
        ch = out;
        skipChannels.push(ch);
      }
      const last = level === channelMult.length - 1;
      this.downsample.push(last ? null : new Downsample(ch));
      if (!last) skipChannels.push(ch);
    });
    this.midRes1 = new ResBlock(ch, { embDim, dropout, groups });
    this.midAttn = new SpatialTransformer(ch, { contextDim, headChannels, dropout, groups });
    this.midRes2 = new ResBlock(ch, { embDim, dropout, groups });
    [...channelMult].reverse().forEach((mult, r) => {
      const level = channelMult.length - 1 - r;
      for (let i = 0; i <= numResBlocks; i++) {
        const skip = skipChannels.pop()!;
        const out = mc * mult;
        this.up.push(
          new Stage(
            new ResBlock(ch + skip, { outChannels: out, embDim, dropout, groups }),
            attn(level, out),
          ),
        );
        ch = out;
      }
      this.upsample.push(level === 0 ? null : new Upsample(ch));
    });
    this.outNorm = new GroupNorm(normGroups(ch, groups), ch);
    this.outConv = new Conv2d(ch, config.outChannels, { kernelSize: 3, init: 'zeros' });
  }

  // x: [B, h, w, C] noisy latents, t: [B] timesteps, context: [B, L, Dc], contextMask: [B, L],
  // layout: [B, h, w, layoutChannels] (absent: empty) → ε [B, h, w, C]
  forward(
    x: tf.Tensor4D,
    t: tf.Tensor1D,
    context: tf.Tensor3D,
    contextMask?: tf.Tensor2D,
    layout?: tf.Tensor4D,
  ): tf.Tensor4D {
    const levels = this.config.channelMult.length;
    const div = 2 ** (levels - 1);
    if (x.shape[1] % div || x.shape[2] % div) {
      throw new Error(
        `UNet: latent ${x.shape[1]}×${x.shape[2]} must divide by ${div} for ${levels} levels`,
      );
    }
    if (context.shape[2] !== this.config.contextDim) {
      throw new Error(
        `UNet: context width ${context.shape[2]}, expected ${this.config.contextDim}`,
      );
    }
    if (layout && !this.layoutConv)
      throw new Error('UNet: a layout map was given to a UNet without layout input');
    if (
      layout &&
      (layout.shape[1] !== x.shape[1] ||
        layout.shape[2] !== x.shape[2] ||
        layout.shape[3] !== this.config.layoutChannels)
    ) {
      throw new Error(
        `UNet: layout map ${layout.shape.slice(1).join('×')}, expected ${x.shape[1]}×${x.shape[2]}×${this.config.layoutChannels}`,
      );
    }
    return tf.tidy(() => {
      const temb = timestepEmbedding(t, this.config.modelChannels);
      let emb = this.timeEmbed2.forward(silu(this.timeEmbed1.forward(temb))) as tf.Tensor2D;
      if (this.globalEmbed) {
        const [b, len, dc] = context.shape;
        const global = tf.reshape(tf.slice(context, [0, len - 1, 0], [b, 1, dc]), [b, dc]);
        emb = tf.add(emb, this.globalEmbed.forward(global)) as tf.Tensor2D;
      }
      let h = this.inputConv.forward(x);
      if (layout) h = tf.add(h, this.layoutConv!.forward(layout));
      const skips: tf.Tensor4D[] = [h];
      let s = 0;
      this.downsample.forEach((down) => {
        for (let i = 0; i < this.config.numResBlocks; i++) {
          h = this.down[s++].forward(h, emb, context, contextMask);
          skips.push(h);
        }
        if (down) {
          h = down.forward(h);
          skips.push(h);
        }
      });
      h = this.midRes1.forward(h, emb);
      h = this.midAttn.forward(h, context, contextMask);
      h = this.midRes2.forward(h, emb);
      s = 0;
      this.upsample.forEach((up) => {
        for (let i = 0; i <= this.config.numResBlocks; i++) {
          h = this.up[s++].forward(
            tf.concat([h, skips.pop()!], 3) as tf.Tensor4D,
            emb,
            context,
            contextMask,
          );
        }
        if (up) h = up.forward(h);
      });
      return this.outConv.forward(this.outNorm.forward(h, { silu: true }) as tf.Tensor4D);
    });
  }
}
