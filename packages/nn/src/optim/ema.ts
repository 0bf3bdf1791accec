import * as tf from '../tf/index.js';
import type { Module } from '../modules/module.js';

export interface EMAConfig {
  decay?: number;
  /** Use min(decay, (1 + n) / (10 + n)) after n updates, so early averages are not stuck at init. */
  warmup?: boolean;
}

/** An exponential moving average of a module's parameters (the weights diffusion samples with). */
export class EMA {
  readonly decay: number;
  readonly warmup: boolean;
  updates = 0;
  private readonly shadow = new Map<string, tf.Variable>();

  constructor(
    private readonly source: Module,
    config: EMAConfig = {},
  ) {
    this.decay = config.decay ?? 0.9999;
    this.warmup = config.warmup ?? false;
    for (const [name, p] of source.parameters())
      this.shadow.set(name, tf.variable(p.clone(), false));
  }

  currentDecay(): number {
    return this.warmup
      ? Math.min(this.decay, (1 + this.updates) / (10 + this.updates))
      : this.decay;
  }

  /** shadow ← d·shadow + (1 − d)·param. */
  update(): void {
    const d = this.currentDecay();
    const params = this.source.parameters();
    tf.tidy(() => {
      for (const [name, s] of this.shadow)
        s.assign(tf.add(tf.mul(s, d), tf.mul(params.get(name) as tf.Tensor, 1 - d)));
    });
    this.updates++;
  }

  /** The averaged weights under the module's names (save them with saveCheckpoint). */
  parameters(): Map<string, tf.Variable> {
    return new Map(this.shadow);
  }

  /** Writes the averaged weights into `target` (e.g. a second model used for sampling). */
  copyTo(target: Module): void {
    target.loadWeights(this.shadow);
  }

  /** Restores the average from saved weights and an update count. */
  load(weights: ReadonlyMap<string, tf.Tensor>, updates: number): void {
    for (const [name, s] of this.shadow) {
      const w = weights.get(name);
      if (!w || !tf.util.arraysEqual(w.shape, s.shape))
        throw new Error(`EMA.load: missing or misshapen "${name}"`);
    }
    for (const [name, s] of this.shadow) s.assign(weights.get(name) as tf.Tensor);
    this.updates = updates;
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
  }
}
