import { AdamW, tf, trainStep, warmupCosine, type TrainStepResult } from '@sgdiff/nn';
import { imagesToTensor, psnr, tensorToImages } from '../images/convert.js';
import { AutoencoderKL, autoencoderLoss } from './autoencoder-kl.js';
import type { AutoencoderConfig } from './config.js';

export interface AutoencoderTrainConfig {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  weightDecay: number;
  clipNorm: number;
  klWeight: number;
  reconstruction: 'l1' | 'l2';
}

export const DEFAULT_AUTOENCODER_TRAINING: AutoencoderTrainConfig = {
  lr: 2e-3,
  warmupSteps: 100,
  totalSteps: 4000,
  weightDecay: 0,
  clipNorm: 1,
  klWeight: 1e-6,
  reconstruction: 'l1',
};

/** The autoencoder, its optimiser and one training step over a batch of byte images. */
export class AutoencoderTrainer {
  readonly model: AutoencoderKL;
  readonly optimizer: AdamW;

  constructor(
    readonly config: AutoencoderConfig,
    readonly training: AutoencoderTrainConfig,
  ) {
    this.model = new AutoencoderKL(config);
    this.optimizer = new AdamW(this.model.parameters(), {
      lr: warmupCosine({
        peakLr: training.lr,
        warmupSteps: training.warmupSteps,
        totalSteps: training.totalSteps,
      }),
      weightDecay: training.weightDecay,
    });
  }

  // images: Uint8Array [B, H, W, 3]
  async step(
    images: Uint8Array,
    batch: number,
    size: number,
    seed: number,
  ): Promise<TrainStepResult & { rec: number }> {
    const x = imagesToTensor(images, batch, size);
    let rec: tf.Scalar | undefined;
    try {
      const result = await trainStep(
        this.model,
        this.optimizer,
        () => {
          const dist = this.model.encode(x);
          const out = autoencoderLoss(x, this.model.decode(this.model.sample(dist, seed)), dist, {
            klWeight: this.training.klWeight,
            reconstruction: this.training.reconstruction,
          });
          rec = tf.keep(out.rec); // read after the step, outside the gradient tape
          return out.loss;
        },
        { clipNorm: this.training.clipNorm },
      );
      return { ...result, rec: rec ? (await rec.data())[0] : NaN };
    } finally {
      x.dispose();
      rec?.dispose();
    }
  }

  /**
   * Reconstructs through the posterior mean (no sampling), `chunk` images at a time so a large
   * validation set fits in memory, and returns the PSNR in dB over all of them.
   */
  async evaluate(
    images: Uint8Array,
    batch: number,
    size: number,
    chunk = 64,
  ): Promise<{ psnr: number; recon: Uint8Array }> {
    const per = size * size * 3;
    const recon = new Uint8Array(batch * per);
    for (let i = 0; i < batch; i += chunk) {
      const n = Math.min(chunk, batch - i);
      const out = tf.tidy(() =>
        this.model.decode(
          this.model.encode(imagesToTensor(images.subarray(i * per, (i + n) * per), n, size)).mean,
        ),
      );
      recon.set(await tensorToImages(out), i * per);
      out.dispose();
    }
    return { psnr: psnr(images, recon), recon };
  }

  /**
   * latent-diffusion's scale factor: 1 / std of posterior means over some images, so that
   * diffusion sees latents of about unit variance.
   */
  latentScale(images: Uint8Array, batch: number, size: number): number {
    const n = Math.min(batch, 256);
    return tf.tidy(() => {
      const mean = this.model.encode(
        imagesToTensor(images.subarray(0, n * size * size * 3), n, size),
      ).mean;
      const { variance } = tf.moments(mean);
      return 1 / Math.sqrt(variance.dataSync()[0] + 1e-12);
    });
  }
}
