import { Conv2d, GroupNorm, Module, Upsample, tf } from '@sgdiff/nn';
import { Downsample, ResBlock, normGroups } from '../blocks/res-block.js';
import type { AutoencoderConfig } from './config.js';

/** A diagonal Gaussian over latents, as the KL autoencoder's encoder returns it. */
export interface LatentDistribution {
  /** mean: [B, h, w, zC] */
  mean: tf.Tensor4D;
  /** logvar: [B, h, w, zC], clamped to [−30, 20] as in latent-diffusion */
  logvar: tf.Tensor4D;
}

class Encoder extends Module {
  readonly convIn: Conv2d;
  readonly blocks: ResBlock[] = [];
  readonly downs: (Downsample | null)[] = [];
  readonly mid: ResBlock;
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  constructor(readonly c: AutoencoderConfig) {
    super();
    let ch = c.baseChannels;
    this.convIn = new Conv2d(c.imageChannels, ch, { kernelSize: 3 });
    c.channelMult.forEach((mult, level) => {
      for (let i = 0; i < c.numResBlocks; i++) {
        this.blocks.push(
          new ResBlock(ch, { outChannels: c.baseChannels * mult, groups: c.groups }),
        );
        ch = c.baseChannels * mult;
      }
      this.downs.push(level < c.channelMult.length - 1 ? new Downsample(ch) : null);
    });
    this.mid = new ResBlock(ch, { groups: c.groups });
    this.normOut = new GroupNorm(normGroups(ch, c.groups), ch);
    this.convOut = new Conv2d(ch, 2 * c.latentChannels, { kernelSize: 3 });
  }

  // x: [B, H, W, 3] in [−1, 1] → [B, h, w, 2·zC]
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.convIn.forward(x);
      let b = 0;
      for (const down of this.downs) {
        for (let i = 0; i < this.c.numResBlocks; i++) h = this.blocks[b++].forward(h);
        if (down) h = down.forward(h);
      }
      h = this.mid.forward(h);
      return this.convOut.forward(this.normOut.forward(h, { silu: true }) as tf.Tensor4D);
    });
  }
}

class Decoder extends Module {
  readonly convIn: Conv2d;
  readonly mid: ResBlock;
  readonly blocks: ResBlock[] = [];
  readonly ups: (Upsample | null)[] = [];
  readonly normOut: GroupNorm;
  readonly convOut: Conv2d;

  constructor(readonly c: AutoencoderConfig) {
    super();
    const mults = [...c.channelMult].reverse();
    let ch = c.baseChannels * mults[0];
    this.convIn = new Conv2d(c.latentChannels, ch, { kernelSize: 3 });
    this.mid = new ResBlock(ch, { groups: c.groups });
    mults.forEach((mult, r) => {
      for (let i = 0; i < c.numResBlocks + 1; i++) {
        this.blocks.push(
          new ResBlock(ch, { outChannels: c.baseChannels * mult, groups: c.groups }),
        );
        ch = c.baseChannels * mult;
      }
      this.ups.push(r < mults.length - 1 ? new Upsample(ch) : null);
    });
    this.normOut = new GroupNorm(normGroups(ch, c.groups), ch);
    this.convOut = new Conv2d(ch, c.imageChannels, { kernelSize: 3 });
  }

  // z: [B, h, w, zC] → [B, H, W, 3], unbounded (≈ [−1, 1])
  forward(z: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.mid.forward(this.convIn.forward(z));
      let b = 0;
      for (const up of this.ups) {
        for (let i = 0; i < this.c.numResBlocks + 1; i++) h = this.blocks[b++].forward(h);
        if (up) h = up.forward(h);
      }
      return this.convOut.forward(this.normOut.forward(h, { silu: true }) as tf.Tensor4D);
    });
  }
}

/** latent-diffusion's KL-regularised convolutional autoencoder (no attention, no GAN). */
export class AutoencoderKL extends Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  constructor(readonly config: AutoencoderConfig) {
    super();
    this.encoder = new Encoder(config);
    this.decoder = new Decoder(config);
  }

  // images: [B, H, W, 3] in [−1, 1]
  encode(images: tf.Tensor4D): LatentDistribution {
    return tf.tidy(() => {
      const moments = this.encoder.forward(images);
      const [mean, logvar] = tf.split(moments, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return { mean, logvar: tf.clipByValue(logvar, -30, 20) };
    });
  }

  /** A reparameterised sample mean + σ·ε; the gradient flows through mean and logvar. */
  sample(dist: LatentDistribution, seed?: number): tf.Tensor4D {
    return tf.tidy(() =>
      tf.add(
        dist.mean,
        tf.mul(
          tf.exp(tf.mul(dist.logvar, 0.5)),
          tf.randomNormal(dist.mean.shape, 0, 1, 'float32', seed),
        ),
      ),
    );
  }

  // z: [B, h, w, zC] (unscaled) → [B, H, W, 3]
  decode(z: tf.Tensor4D): tf.Tensor4D {
    return this.decoder.forward(z);
  }
}

/**
 * Reconstruction (L1 or L2, mean over pixels) plus klWeight · KL(q(z|x) ‖ N(0, I)), the KL
 * summed over latent elements and averaged over the batch, as latent-diffusion weighs it.
 */
export function autoencoderLoss(
  images: tf.Tensor4D,
  recon: tf.Tensor4D,
  dist: LatentDistribution,
  { klWeight = 1e-6, reconstruction = 'l1' as 'l1' | 'l2' } = {},
): { loss: tf.Scalar; rec: tf.Scalar; kl: tf.Scalar } {
  return tf.tidy(() => {
    const diff = tf.sub(recon, images);
    const rec = tf.mean(reconstruction === 'l1' ? tf.abs(diff) : tf.square(diff)) as tf.Scalar;
    const klPerElem = tf.mul(
      0.5,
      tf.sub(tf.add(tf.square(dist.mean), tf.exp(dist.logvar)), tf.add(1, dist.logvar)),
    );
    const kl = tf.div(tf.sum(klPerElem), images.shape[0]) as tf.Scalar;
    return { loss: tf.add(rec, tf.mul(klWeight, kl)) as tf.Scalar, rec, kl };
  });
}
