// The forward process and training loss, kept apart from the network (improved-diffusion style):
// the model is passed in, never owned.
import type { EpsModel } from './model.js';
import { Rng, randn } from './noise.js';
import {
  makeNoiseSchedule,
  scheduleConfig,
  type NoiseSchedule,
  type ScheduleConfig,
} from './schedules.js';
import { tf } from '@sgdiff/nn';

/** What the network predicts. Only ε for now (SGDiff's choice); 'v' and 'x0' would slot in here. */
export type ModelMeanType = 'epsilon';
/** Training loss. 'mse' = ‖ε − ε̂‖² averaged over all elements (LDM's l2 with mean). */
export type LossType = 'mse';

export interface DiffusionConfig {
  schedule: ScheduleConfig;
  meanType: ModelMeanType;
  lossType: LossType;
}

export function diffusionConfig(partial: Partial<DiffusionConfig> = {}): DiffusionConfig {
  return {
    schedule: scheduleConfig(partial.schedule ?? {}),
    meanType: partial.meanType ?? 'epsilon',
    lossType: partial.lossType ?? 'mse',
  };
}

/** Timesteps for a batch: a [B] int32/float32 tensor, or plain integers. */
export type Timesteps = tf.Tensor | ArrayLike<number>;

export class GaussianDiffusion {
  readonly config: DiffusionConfig;
  readonly schedule: NoiseSchedule;
  // float32 copies of schedule arrays (and min-SNR weights), made on first use for tensor
  // timesteps; freed by dispose().
  private tables = new Map<string, tf.Tensor1D>();

  constructor(config: Partial<DiffusionConfig> = {}) {
    this.config = diffusionConfig(config);
    if (this.config.meanType !== 'epsilon')
      throw new Error(`GaussianDiffusion: unsupported meanType ${this.config.meanType}`);
    if (this.config.lossType !== 'mse')
      throw new Error(`GaussianDiffusion: unsupported lossType ${this.config.lossType}`);
    this.schedule = makeNoiseSchedule(this.config.schedule);
  }

  get numTimesteps(): number {
    return this.schedule.numTimesteps;
  }

  /** Uniform timesteps for a training batch: [B] int32. */
  sampleTimesteps(rng: Rng, batch: number): tf.Tensor1D {
    const t = new Int32Array(batch);
    for (let i = 0; i < batch; i++) t[i] = rng.int(this.numTimesteps);
    return tf.tensor1d(t, 'int32');
  }

  /** x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε. x0, noise: [B, ...]; t: [B]. */
  qSample(x0: tf.Tensor, t: Timesteps, noise: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.add(
        tf.mul(this.coef('sqrtAlphasCumprod', t, x0.rank), x0),
        tf.mul(this.coef('sqrtOneMinusAlphasCumprod', t, x0.rank), noise),
      ),
    );
  }

  /** Mean and variance of q(x_t | x_0). */
  qMeanVariance(x0: tf.Tensor, t: Timesteps): { mean: tf.Tensor; variance: tf.Tensor } {
    return {
      mean: tf.tidy(() => tf.mul(this.coef('sqrtAlphasCumprod', t, x0.rank), x0)),
      variance: tf.tidy(() =>
        tf.mul(tf.onesLike(x0), this.coef('oneMinusAlphasCumprod', t, x0.rank)),
      ),
    };
  }

  /** x̂0 = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t, written as improved-diffusion does. */
  predictX0FromEps(xt: tf.Tensor, t: Timesteps, eps: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.sub(
        tf.mul(this.coef('sqrtRecipAlphasCumprod', t, xt.rank), xt),
        tf.mul(this.coef('sqrtRecipm1AlphasCumprod', t, xt.rank), eps),
      ),
    );
  }

  /** ε = (x_t/√ᾱ_t − x̂0)/√(1/ᾱ_t − 1). */
  predictEpsFromX0(xt: tf.Tensor, t: Timesteps, x0: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.div(
        tf.sub(tf.mul(this.coef('sqrtRecipAlphasCumprod', t, xt.rank), xt), x0),
        this.coef('sqrtRecipm1AlphasCumprod', t, xt.rank),
      ),
    );
  }

  /** Mean and variance of the posterior q(x_{t−1} | x_t, x_0). */
  qPosteriorMeanVariance(
    x0: tf.Tensor,
    xt: tf.Tensor,
    t: Timesteps,
  ): { mean: tf.Tensor; variance: tf.Tensor } {
    return {
      mean: tf.tidy(() =>
        tf.add(
          tf.mul(this.coef('posteriorMeanCoef1', t, xt.rank), x0),
          tf.mul(this.coef('posteriorMeanCoef2', t, xt.rank), xt),
        ),
      ),
      variance: tf.tidy(() => tf.mul(tf.onesLike(xt), this.coef('posteriorVariance', t, xt.rank))),
    };
  }

  /**
   * Per-example ε-MSE: mean over all but the batch axis → [B]. x0: [B, ...]; t: [B];
   * noise: a tensor like x0, or an Rng to draw it from. Differentiable through `model`.
   */
  trainingLosses<C>(
    model: EpsModel<C>,
    x0: tf.Tensor,
    t: Timesteps,
    cond: C,
    noise: tf.Tensor | Rng,
  ): tf.Tensor1D {
    return tf.tidy(() => {
      const eps = noise instanceof Rng ? randn(noise, x0.shape) : noise;
      const xt = this.qSample(x0, t, eps);
      const tValues = this.timestepTensor(t, x0.shape[0]!);
      const predicted = model(xt, tValues, cond);
      if (predicted.shape.join() !== x0.shape.join()) {
        throw new Error(
          `trainingLoss: model returned shape [${predicted.shape}], expected [${x0.shape}]`,
        );
      }
      const axes = Array.from({ length: x0.rank - 1 }, (_, i) => i + 1);
      return tf.mean(tf.squaredDifference(eps, predicted), axes) as tf.Tensor1D;
    });
  }

  /**
   * The scalar training loss: trainingLosses averaged over the batch, each example weighted by
   * `minSnrWeights` when `minSnrGamma` is given (uniform otherwise).
   */
  trainingLoss<C>(
    model: EpsModel<C>,
    x0: tf.Tensor,
    t: Timesteps,
    cond: C,
    noise: tf.Tensor | Rng,
    { minSnrGamma }: { minSnrGamma?: number } = {},
  ): tf.Scalar {
    return tf.tidy(() => {
      const losses = this.trainingLosses(model, x0, t, cond, noise);
      if (!minSnrGamma) return tf.mean(losses) as tf.Scalar;
      const w =
        t instanceof tf.Tensor
          ? tf.gather(this.minSnrTable(minSnrGamma), tf.cast(t, 'int32'))
          : tf.tensor1d(this.minSnrWeights(t, minSnrGamma));
      return tf.mean(tf.mul(losses, w)) as tf.Scalar;
    });
  }

  /**
   * Min-SNR-γ loss weights for ε-prediction (Hang et al. 2023): min(SNR_t, γ) / SNR_t with
   * SNR_t = ᾱ_t / (1 − ᾱ_t), in float64. Low-noise steps, whose ε-loss is large but says little
   * about layout, weigh less; steps with SNR ≤ γ keep weight 1.
   */
  minSnrWeights(t: ArrayLike<number>, gamma: number): Float32Array {
    if (!(gamma > 0)) throw new Error(`minSnrWeights: γ must be positive, got ${gamma}`);
    return Float32Array.from(t, (ti) => {
      const ac = this.schedule.alphasCumprod[this.checkTimestep(ti)]!;
      const snr = ac / (1 - ac);
      return Math.min(snr, gamma) / snr;
    });
  }

  /** Frees the cached float32 tables. */
  dispose(): void {
    for (const table of this.tables.values()) table.dispose();
    this.tables.clear();
  }

  /** t as the [B] float32 tensor a model receives. */
  private timestepTensor(t: Timesteps, batch: number): tf.Tensor {
    const values =
      t instanceof tf.Tensor
        ? tf.cast(t, 'float32')
        : tf.tensor1d(Float32Array.from(t as ArrayLike<number>), 'float32');
    if (values.shape.length !== 1 || values.shape[0] !== batch) {
      throw new Error(`timesteps: expected shape [${batch}], got [${values.shape}]`);
    }
    return values;
  }

  /** schedule[name][t] shaped [B, 1, …, 1] to broadcast over a rank-`rank` tensor. */
  private coef(
    name: keyof NoiseSchedule | 'oneMinusAlphasCumprod',
    t: Timesteps,
    rank: number,
  ): tf.Tensor {
    const shape = (b: number) => [b, ...Array<number>(rank - 1).fill(1)];
    if (!(t instanceof tf.Tensor)) {
      // Plain timesteps: index in float64, cast once.
      const values = Float32Array.from(t as ArrayLike<number>, (ti) =>
        this.lookup(name, this.checkTimestep(ti)),
      );
      return tf.tensor(values, shape(values.length));
    }
    const table = this.table(name);
    return tf.reshape(tf.gather(table, tf.cast(t, 'int32')), shape(t.shape[0]!));
  }

  private lookup(name: keyof NoiseSchedule | 'oneMinusAlphasCumprod', t: number): number {
    if (name === 'oneMinusAlphasCumprod') return 1 - this.schedule.alphasCumprod[t]!;
    return (this.schedule[name] as Float64Array)[t]!;
  }

  private minSnrTable(gamma: number): tf.Tensor1D {
    const key = `minSnr/${gamma}`;
    let table = this.tables.get(key);
    if (!table) {
      const all = Array.from({ length: this.numTimesteps }, (_, i) => i);
      table = tf.keep(tf.tensor1d(this.minSnrWeights(all, gamma)));
      this.tables.set(key, table);
    }
    return table;
  }

  private checkTimestep(t: number): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.numTimesteps) {
      throw new Error(`timestep ${t} is outside 0 … ${this.numTimesteps - 1}`);
    }
    return t;
  }

  private table(name: keyof NoiseSchedule | 'oneMinusAlphasCumprod'): tf.Tensor1D {
    let table = this.tables.get(name);
    if (!table) {
      const values = Float32Array.from({ length: this.numTimesteps }, (_, i) =>
        this.lookup(name, i),
      );
      table = tf.keep(tf.tensor1d(values, 'float32'));
      this.tables.set(name, table);
    }
    return table;
  }
}
