import { AdamW, tf, trainStep, warmupCosine, type TrainStepResult } from '@sgdiff/nn';
import type { SceneGraph } from '@sgdiff/scene-graph';
import type { OracleConfig } from './config.js';
import { oracleLoss } from './loss.js';
import { oracleInput, SyntheticOracle } from './model.js';
import { oracleTargets } from './targets.js';

export interface OracleTrainConfig {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  weightDecay: number;
  clipNorm: number;
  /** Weight of the box L1 against the heatmap loss. */
  boxWeight: number;
  /**
   * Up to this much Gaussian pixel noise (std, on [0, 1] images) is added per image, so that the
   * oracle does not hinge on the exact rendering of the real images (generated ones are noisier).
   */
  noise: number;
}

export const DEFAULT_ORACLE_TRAINING: OracleTrainConfig = {
  lr: 2e-3,
  warmupSteps: 200,
  totalSteps: 3000,
  weightDecay: 1e-4,
  clipNorm: 5,
  boxWeight: 1,
  noise: 0.04,
};

/** The oracle, its optimiser and one training step over a batch of byte images with their graphs. */
export class OracleTrainer {
  readonly model: SyntheticOracle;
  readonly optimizer: AdamW;

  constructor(
    readonly config: OracleConfig,
    readonly training: OracleTrainConfig = DEFAULT_ORACLE_TRAINING,
  ) {
    this.model = new SyntheticOracle(config);
    this.optimizer = new AdamW(this.model.parameters(), {
      lr: warmupCosine({
        peakLr: training.lr,
        warmupSteps: training.warmupSteps,
        totalSteps: training.totalSteps,
        minLr: training.lr / 50,
      }),
      weightDecay: training.weightDecay,
    });
  }

  /** One optimiser step. `seed` drives the noise augmentation, so a resumed run repeats it. */
  // images: Uint8Array [B, size, size, 3]; graphs: B graphs with boxes
  async step(
    images: Uint8Array,
    graphs: SceneGraph[],
    size: number,
    seed: number,
  ): Promise<TrainStepResult & { heat: number; box: number }> {
    const targets = oracleTargets(graphs, this.config);
    const x = tf.tidy(() => {
      const clean = oracleInput(images, graphs.length, size, this.config);
      if (this.training.noise <= 0) return clean;
      const std = tf.mul(
        tf.randomUniform([graphs.length, 1, 1, 1], 0, this.training.noise, 'float32', seed),
        1,
      );
      return tf.clipByValue(
        tf.add(clean, tf.mul(tf.randomNormal(clean.shape, 0, 1, 'float32', seed + 1), std)),
        0,
        1,
      ) as tf.Tensor4D;
    });
    let parts: tf.Tensor | undefined;
    try {
      const result = await trainStep(
        this.model,
        this.optimizer,
        () => {
          const out = oracleLoss(this.model.forward(x), targets, { box: this.training.boxWeight });
          parts = tf.keep(tf.stack([out.heat, out.box]));
          return out.loss;
        },
        { clipNorm: this.training.clipNorm },
      );
      const [heat, box] = parts ? await parts.data() : [NaN, NaN];
      return { ...result, heat, box };
    } finally {
      x.dispose();
      parts?.dispose();
    }
  }
}
