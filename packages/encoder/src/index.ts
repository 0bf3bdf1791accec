// @sgdiff/encoder: SGDiff's scene-graph encoder and its masked-contrastive pre-training.
// Browser-safe: nothing here touches fs or process.
export { EncoderError } from './errors.js';
export { Rng } from './random.js';

// The encoder the diffusion UNet conditions on.
export {
  ENCODER_PRESETS,
  encoderConfig,
  type EncoderConfig,
  type EncoderPreset,
} from './model/config.js';
export {
  disposeEncoding,
  packForEncoder,
  SceneGraphEncoder,
  type EncodeOptions,
  type GraphEncoding,
} from './model/encoder.js';
export {
  averageOntoNodes,
  disposeEdges,
  graphEdges,
  GraphTripleConv,
  GraphTripleConvNet,
  type GraphEdges,
} from './model/graph-triple-conv.js';
export { GLOBAL_POOLINGS, TriplePool, type GlobalPooling } from './model/global-pooling.js';
export { checkPackedGraphs, prepareTriples, type TripleBatch } from './model/graph-batch.js';
export { tokenLabels, type TokenLabels } from './eval/token-labels.js';

// Pre-training.
export {
  ABLATION_VARIANTS,
  ablationConfig,
  PRETRAIN_PRESETS,
  pretrainConfig,
  type AblationVariant,
  type PretrainConfig,
} from './pretrain/config.js';
export {
  DEFAULT_TEMPERATURE,
  diagonalCrossEntropy,
  hardNegativeLogits,
  l2Normalize,
  LogitScale,
  scaledCosine,
  symmetricInfoNCE,
  type TemperatureConfig,
} from './pretrain/contrastive.js';
export {
  ConvTrunk,
  DownBlock,
  ImageEncoder,
  type ImageEncoderConfig,
  type ImageHead,
} from './pretrain/image-encoder.js';
export { imagesToTensor } from './pretrain/images.js';
export {
  CrossAttentionBlock,
  MaskedDecoder,
  patchesToImage,
  type MaskedDecoderConfig,
} from './pretrain/masked-decoder.js';
export {
  boxMasks,
  DEFAULT_MASKING,
  fillBox,
  maskedMSE,
  maskImage,
  reducedTargets,
  type MaskingConfig,
} from './pretrain/masking.js';
export {
  MaskedContrastiveModel,
  prepareBatch,
  pretrainLosses,
  type PreparedBatch,
  type PretrainBatch,
  type PretrainLosses,
} from './pretrain/model.js';
export {
  invertPredicate,
  PERTURBATION_KINDS,
  randomPerturbation,
  relabelOneObject,
  swapRelation,
  type Perturbation,
  type PerturbationKind,
} from './pretrain/perturb.js';
export {
  pretrainStep,
  type PretrainStepOptions,
  type PretrainStepResult,
} from './pretrain/step.js';

// Evaluation: graph–image scoring.
export { complianceDiscrimination, type ComplianceResult } from './eval/compliance.js';
export {
  cosineMatrix,
  embedGraphs,
  embedImages,
  recallAtK,
  scoreGraphsImages,
  type ScoreMatrix,
} from './eval/retrieval.js';
