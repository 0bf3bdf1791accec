import { type AdamW, tf, trainStep } from '@sgdiff/nn';
import type { Vocabulary } from '@sgdiff/scene-graph';
import type { Rng } from '../random.js';
import {
  prepareBatch,
  pretrainLosses,
  type MaskedContrastiveModel,
  type PretrainBatch,
} from './model.js';

export interface PretrainStepOptions {
  /** Clip gradients to this global norm (default 1). */
  clipNorm?: number;
}

export interface PretrainStepResult {
  loss: number;
  contrastive: number;
  masked: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  lr: number;
  /** exp of the clamped log logit scale after the update (1 / temperature); NaN without contrastive. */
  logitScale: number;
}

/**
 * One pre-training step: masks and hard negatives drawn from `rng`, loss and gradients,
 * clipping, a NaN/Inf guard and an AdamW update (nn's `trainStep`). Leaves no tensors behind.
 */
export async function pretrainStep(
  model: MaskedContrastiveModel,
  optimizer: AdamW,
  batch: PretrainBatch,
  vocab: Vocabulary,
  rng: Rng,
  options: PretrainStepOptions = {},
): Promise<PretrainStepResult> {
  const prepared = prepareBatch(batch, model.config, vocab, rng);
  let parts: tf.Tensor[] = [];
  try {
    const result = await trainStep(
      model,
      optimizer,
      () => {
        const l = pretrainLosses(model, prepared);
        // Kept past the gradient tape's scope so the components can be logged.
        parts = [tf.keep(l.contrastive), tf.keep(l.masked)];
        return l.loss;
      },
      { clipNorm: options.clipNorm ?? 1 },
    );
    const both = tf.stack(parts);
    const [contrastive, masked] = await both.data();
    both.dispose();
    const logitScale = model.logitScale
      ? tf.tidy(() => model.logitScale!.forward().dataSync()[0])
      : NaN;
    return { ...result, contrastive, masked, logitScale };
  } finally {
    tf.dispose(parts);
  }
}
