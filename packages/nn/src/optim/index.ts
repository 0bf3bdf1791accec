export { AdamW, type AdamWConfig, type AdamWState } from './adamw.js';
export { clipByGlobalNorm, globalNorm } from './clip-grad-norm.js';
export { warmupCosine, type WarmupCosineConfig } from './lr-schedule.js';
export { EMA, type EMAConfig } from './ema.js';
export { NonFiniteError, assertFinite } from './non-finite.js';
export {
  trainStep,
  valueAndGrads,
  type TrainStepOptions,
  type TrainStepResult,
} from './train-step.js';
