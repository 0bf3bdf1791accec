import { AdamW, EMA, Module, tf, trainStep, warmupCosine, type TrainStepResult } from '@sgdiff/nn';
import type { PackedGraphs } from '@sgdiff/scene-graph';
import type { AutoencoderKL } from '../autoencoder/autoencoder-kl.js';
import { disposeTokens, type GraphTokens } from '../conditioning/graph-context.js';
import { layoutSlots } from '../conditioning/layout-map.js';
import { GaussianDiffusion, type DiffusionConfig } from '../gaussian-diffusion.js';
import { imagesToTensor } from '../images/convert.js';
import { Rng } from '../noise.js';
import { Denoiser, type DenoiserConfig } from './denoiser.js';

/** What the trainer needs from the scene-graph encoder (kept frozen). */
export interface FrozenGraphEncoder {
  forward(packed: PackedGraphs, options?: { labelTokens?: boolean }): GraphTokens;
}

/** An encoder the diffusion loss also trains (`trainEncoder`): a Module with parameters. */
export type TrainableGraphEncoder = FrozenGraphEncoder & Module;

/** The denoiser and the encoder as one parameter tree (`denoiser.…`, `encoder.…`) for one optimiser. */
class DenoiserAndEncoder extends Module {
  constructor(
    readonly denoiser: Denoiser,
    readonly encoder: Module,
  ) {
    super();
  }
}

export interface LatentDiffusionTrainConfig {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  weightDecay: number;
  clipNorm: number;
  emaDecay: number;
  /** Probability of training a sample on the null graph (classifier-free guidance). */
  condDropout: number;
  /** Min-SNR-γ loss weighting (see GaussianDiffusion.minSnrWeights); absent: uniform, as LDM. */
  minSnrGamma?: number;
  /**
   * Learning-rate multiplier for the label-token projection (`graphContext.labelProj`), which
   * starts at zero when added to a trained model; absent: 1.
   */
  labelLrScale?: number;
  /**
   * Learning-rate multiplier for the layout input (`layoutMap`, `unet.layoutConv`), which starts
   * at zero when added to a trained model; absent: 1.
   */
  layoutLrScale?: number;
  /**
   * Train the scene-graph encoder with the denoiser, by the diffusion loss alone (the ablation's
   * "no pre-training" arm from a random encoder; or fine-tuning a pre-trained one). Absent: frozen.
   */
  trainEncoder?: boolean;
  /** Learning-rate multiplier for the encoder when it trains; absent: 1. */
  encoderLrScale?: number;
}

/**
 * Parameter-name prefixes of the parts that can be added to a trained denoiser (label tokens,
 * layout input): each has its own learning-rate scale, and `train --init` keeps their fresh values.
 */
export const LABEL_PARAMS = ['graphContext.labelProj.'];
export const LAYOUT_PARAMS = ['layoutMap.', 'unet.layoutConv.'];

export const DEFAULT_LDM_TRAINING: LatentDiffusionTrainConfig = {
  lr: 5e-4,
  warmupSteps: 200,
  totalSteps: 20000,
  weightDecay: 0.01,
  clipNorm: 1,
  emaDecay: 0.999,
  condDropout: 0.1,
};

/**
 * latent-diffusion's scale factor for an autoencoder: 1/σ of its (unscaled) latents of `images`
 * (byte images [batch, size, size, 3], one posterior sample with seed 1), so that the scaled
 * latents the UNet learns have unit variance.
 */
export async function estimateLatentScale(
  autoencoder: AutoencoderKL,
  images: Uint8Array,
  batch: number,
  size: number,
): Promise<number> {
  const z = tf.tidy(() =>
    autoencoder.sample(autoencoder.encode(imagesToTensor(images, batch, size)), 1),
  );
  const { mean, variance: v } = tf.moments(z);
  const variance = (await v.data())[0];
  tf.dispose([z, mean, v]);
  return 1 / Math.sqrt(Math.max(variance, 1e-12));
}

/**
 * One diffusion training step: frozen encoder → graph tokens, frozen autoencoder → scaled
 * latents, random t and noise from a per-step RNG, condition dropout, ε-MSE, AdamW, EMA.
 */
export class LatentDiffusionTrainer {
  readonly denoiser: Denoiser;
  readonly optimizer: AdamW;
  readonly ema: EMA;
  /** The encoder's EMA, when it trains (`trainEncoder`). */
  readonly encoderEma?: EMA;
  readonly diffusion: GaussianDiffusion;
  /** What the optimiser updates: the denoiser, or the denoiser and the encoder. */
  private readonly trained: Module;

  constructor(
    readonly parts: {
      encoder: FrozenGraphEncoder;
      autoencoder: AutoencoderKL;
      latentScale: number;
    },
    readonly config: {
      denoiser: DenoiserConfig;
      diffusion: Partial<DiffusionConfig>;
      training: LatentDiffusionTrainConfig;
    },
  ) {
    const t = config.training;
    if (t.labelLrScale !== undefined && config.denoiser.context.labelDim === undefined)
      throw new Error(
        'labelLrScale: the denoiser has no label-token projection (context.labelDim)',
      );
    if (t.layoutLrScale !== undefined && config.denoiser.layout === undefined)
      throw new Error('layoutLrScale: the denoiser has no layout input (layout)');
    if (t.encoderLrScale !== undefined && !t.trainEncoder)
      throw new Error('encoderLrScale: the encoder does not train (trainEncoder)');
    const encoder: unknown = parts.encoder;
    if (t.trainEncoder && !(encoder instanceof Module))
      throw new Error('trainEncoder: the encoder is not a Module with parameters');
    this.denoiser = new Denoiser(config.denoiser);
    this.diffusion = new GaussianDiffusion(config.diffusion);
    this.trained = t.trainEncoder
      ? new DenoiserAndEncoder(this.denoiser, encoder as Module)
      : this.denoiser;
    // Names as the denoiser knows them; the encoder's parameters have their own scale.
    const scale = (name: string) => {
      if (t.trainEncoder) {
        if (name.startsWith('encoder.')) return t.encoderLrScale ?? 1;
        name = name.slice('denoiser.'.length);
      }
      return LABEL_PARAMS.some((p) => name.startsWith(p))
        ? (t.labelLrScale ?? 1)
        : LAYOUT_PARAMS.some((p) => name.startsWith(p))
          ? (t.layoutLrScale ?? 1)
          : 1;
    };
    this.optimizer = new AdamW(this.trained.parameters(), {
      lr: warmupCosine({ peakLr: t.lr, warmupSteps: t.warmupSteps, totalSteps: t.totalSteps }),
      weightDecay: t.weightDecay,
      ...((t.labelLrScale !== undefined ||
        t.layoutLrScale !== undefined ||
        t.encoderLrScale !== undefined) && { lrScale: scale }),
    });
    this.ema = new EMA(this.denoiser, { decay: t.emaDecay, warmup: true });
    if (t.trainEncoder) {
      (encoder as Module).train();
      this.encoderEma = new EMA(encoder as Module, { decay: t.emaDecay, warmup: true });
    }
  }

  /**
   * Starts from an exported denoiser's weights (fine-tuning), into the model and its EMA.
   * Parameters this denoiser has and the weights lack (label tokens, layout input added to an
   * older model) keep their fresh values: zero-initialised where they feed the UNet, so it starts
   * unchanged. Throws when any other weight is missing or does not fit.
   */
  initFrom(weights: Map<string, tf.Tensor>): void {
    const all = new Map(weights);
    const added: tf.Tensor[] = [];
    const fresh = [...LABEL_PARAMS, ...LAYOUT_PARAMS];
    for (const [name, v] of this.denoiser.parameters())
      if (fresh.some((p) => name.startsWith(p)) && !all.has(name)) {
        const copy = tf.clone(v);
        added.push(copy);
        all.set(name, copy);
      }
    try {
      this.denoiser.loadWeights(all);
      this.ema.load(all, 0);
    } finally {
      tf.dispose(added);
    }
  }

  /** The batch's boxes for a denoiser with layout input, painted at the latent size. */
  private layoutOf(packed: PackedGraphs, z0: tf.Tensor4D) {
    return this.denoiser.layoutMap
      ? { slots: layoutSlots(packed), size: [z0.shape[1], z0.shape[2]] as [number, number] }
      : undefined;
  }

  /** Scaled latents of byte images through the frozen autoencoder (a posterior sample). */
  // images: Uint8Array [B, H, W, 3] → [B, h, w, zC]
  latents(images: Uint8Array, batch: number, size: number, seed: number): tf.Tensor4D {
    return tf.tidy(() => {
      const dist = this.parts.autoencoder.encode(imagesToTensor(images, batch, size));
      return tf.mul(
        this.parts.autoencoder.sample(dist, seed),
        this.parts.latentScale,
      ) as tf.Tensor4D;
    });
  }

  /**
   * Scaled latents from pre-encoded posterior moments (`train-autoencoder --encode-latents`):
   * the same sample as `latents` on the images the moments came from, for the same seed.
   */
  // moments: [B, h, w, 2·zC], mean then logvar along channels
  latentsFromMoments(moments: Float32Array, batch: number, seed: number): tf.Tensor4D {
    const c = 2 * this.config.denoiser.unet.inChannels;
    const side = Math.round(Math.sqrt(moments.length / (batch * c)));
    if (side * side * batch * c !== moments.length)
      throw new Error(
        `latent moments: ${moments.length} values are not ${batch} square latents of ${c} channels`,
      );
    return tf.tidy(() => {
      const m = tf.tensor4d(moments, [batch, side, side, c]);
      const [mean, logvar] = tf.split(m, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return tf.mul(
        this.parts.autoencoder.sample({ mean, logvar }, seed),
        this.parts.latentScale,
      ) as tf.Tensor4D;
    });
  }

  /**
   * The ε-MSE on a batch without training: every graph kept (no condition dropout), t and noise
   * drawn from `seed` as `step` draws them, so a fixed validation batch and seed give comparable
   * numbers across steps. `shuffleGraphs` gives each image the next graph's context instead: how
   * much higher that loss is, is how much the model uses its graph.
   */
  async validationLoss(
    batch: { images: Uint8Array; packed: PackedGraphs },
    size: number,
    seed: number,
    { shuffleGraphs = false }: { shuffleGraphs?: boolean } = {},
  ): Promise<number> {
    const B = batch.packed.numGraphs;
    if (shuffleGraphs && B < 2) throw new Error('validationLoss: shuffling needs 2 or more graphs');
    const rng = new Rng(seed);
    const loss = tf.tidy(() => {
      const tokens = this.parts.encoder.forward(batch.packed, this.denoiser.tokenOptions);
      const z0 = this.latents(batch.images, B, size, rng.int(0x7fffffff));
      const t = this.diffusion.sampleTimesteps(rng, B);
      for (let b = 0; b < B; b++) rng.uniform(); // the dropout draws of `step`: same noise
      const noise = tf.tensor(rng.normals(z0.size), z0.shape);
      let cond = this.denoiser.condition(tokens, undefined, this.layoutOf(batch.packed, z0));
      if (shuffleGraphs) {
        const next = Array.from({ length: B }, (_, i) => (i + 1) % B);
        cond = {
          context: tf.gather(cond.context, next),
          mask: tf.gather(cond.mask, next),
          ...(cond.layout ? { layout: tf.gather(cond.layout, next) } : {}),
        };
      }
      return this.diffusion.trainingLoss(this.denoiser.eps, z0, tf.cast(t, 'float32'), cond, noise);
    });
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  }

  async step(
    batch: { images: Uint8Array; packed: PackedGraphs; moments?: Float32Array },
    size: number,
    seed: number,
  ): Promise<TrainStepResult> {
    const B = batch.packed.numGraphs;
    const rng = new Rng(seed);
    const joint = this.config.training.trainEncoder === true;
    const encode = () => this.parts.encoder.forward(batch.packed, this.denoiser.tokenOptions);
    // A frozen encoder runs outside the gradient; a trained one inside it.
    const frozenTokens = joint ? undefined : encode();
    const zSeed = rng.int(0x7fffffff);
    const z0 = batch.moments
      ? this.latentsFromMoments(batch.moments, B, zSeed)
      : this.latents(batch.images, B, size, zSeed);
    const t = this.diffusion.sampleTimesteps(rng, B);
    const keep = tf.tensor1d(
      Float32Array.from({ length: B }, () =>
        rng.uniform() < this.config.training.condDropout ? 0 : 1,
      ),
    );
    const noise = tf.tidy(() => tf.tensor(rng.normals(z0.size), z0.shape));
    try {
      const result = await trainStep(
        this.trained,
        this.optimizer,
        () => {
          // Intermediates here are freed by the gradient computation's own scope.
          const tokens = frozenTokens ?? encode();
          const cond = this.denoiser.condition(tokens, keep, this.layoutOf(batch.packed, z0));
          return this.diffusion.trainingLoss(
            this.denoiser.eps,
            z0,
            tf.cast(t, 'float32'),
            cond,
            noise,
            { minSnrGamma: this.config.training.minSnrGamma },
          );
        },
        { clipNorm: this.config.training.clipNorm },
      );
      this.ema.update();
      this.encoderEma?.update();
      return result;
    } finally {
      if (frozenTokens) disposeTokens(frozenTokens);
      tf.dispose([z0, t, keep, noise]);
    }
  }
}
