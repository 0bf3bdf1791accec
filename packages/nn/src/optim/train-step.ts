import * as tf from '../tf/index.js';
import type { Module } from '../modules/module.js';
import type { AdamW } from './adamw.js';
import { globalNorm } from './clip-grad-norm.js';
import { assertFinite } from './non-finite.js';

/** Loss and gradients of `lossFn` with respect to every trainable parameter, by dotted name. */
export function valueAndGrads(
  module: Module,
  lossFn: () => tf.Scalar,
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const params = [...module.parameters()].filter(([, v]) => v.trainable);
  const { value, grads } = tf.variableGrads(
    lossFn,
    params.map(([, v]) => v),
  );
  // Parameters the loss does not reach get no gradient (tfjs leaves them null).
  const named = params
    .filter(([, v]) => grads[v.name] != null)
    .map(([name, v]) => [name, grads[v.name]] as const);
  return { loss: value, grads: new Map(named) };
}

export interface TrainStepOptions {
  /** Clip gradients to this global norm first. */
  clipNorm?: number;
}

export interface TrainStepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  lr: number;
}

/**
 * One optimiser step: gradients, optional clipping, a NaN/Inf check (NonFiniteError, with the
 * weights left untouched), then the AdamW update. Every intermediate tensor is disposed.
 */
export async function trainStep(
  module: Module,
  optimizer: AdamW,
  lossFn: () => tf.Scalar,
  options: TrainStepOptions = {},
): Promise<TrainStepResult> {
  const { loss, grads } = valueAndGrads(module, lossFn);
  const norm = globalNorm(grads);
  try {
    const both = tf.stack([loss, norm]);
    const [lossValue, normValue] = await both.data();
    both.dispose();
    assertFinite(optimizer.step, { loss: lossValue, 'gradient norm': normValue });
    const lr = optimizer.currentLr();
    // Clipping as clipByGlobalNorm does it, applied inside the update: no scaled gradient copies.
    const scale =
      options.clipNorm === undefined ? 1 : Math.min(1, options.clipNorm / (normValue + 1e-6));
    optimizer.applyGradients(grads, scale);
    return { loss: lossValue, gradNorm: normValue, lr };
  } finally {
    tf.dispose([loss, norm, ...grads.values()]);
  }
}
