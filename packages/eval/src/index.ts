export { EvalError, warnToConsole, type EvalWarning, type WarningHandler } from './errors.js';
export { computeFid, frechetDistance, type FidOptions, type FidReport } from './metrics/fid.js';
export { computeKid, polynomialMmd2, type KidOptions, type MeanStd } from './metrics/kid.js';
export { inceptionScore } from './metrics/inception-score.js';
export {
  linearProbe,
  type LabelledFeatures,
  type LinearProbeOptions,
  type LinearProbeResult,
} from './metrics/linear-probe.js';
export { columnMeans, meanAndCovariance, type MeanAndCovariance } from './linalg/covariance.js';
export {
  gemmTN,
  rowMajor,
  transposed,
  type MatrixView,
  type GemmTNOptions,
} from './linalg/gemm.js';
export { jsMatmul, type MatmulProvider, type MatmulHints } from './linalg/matmul-provider.js';
export { choleskyLower } from './linalg/cholesky.js';
export {
  symmetricEigenvalues,
  tridiagonalize,
  tridiagonalEigenvalues,
  type Tridiagonal,
} from './linalg/symmetric-eigenvalues.js';
export {
  traceSqrtProduct,
  type TraceSqrtOptions,
  type TraceSqrtReport,
} from './linalg/trace-sqrt-product.js';
export {
  DEFAULT_ORACLE_CONFIG,
  FINE_ORACLE_CONFIG,
  oracleConfig,
  gridSize,
  featureDim,
  type OracleConfig,
} from './oracle/config.js';
export { SyntheticOracle, oracleInput, type OracleOutput } from './oracle/model.js';
export { oracleTargets, classIndex, centreCell, type OracleTargets } from './oracle/targets.js';
export { oracleLoss, type OracleLossWeights } from './oracle/loss.js';
export { thresholdSweep, chooseThreshold, type ThresholdPoint } from './oracle/calibrate.js';
export {
  applyBorderSnap,
  borderSides,
  snapToBorder,
  type BorderSide,
  type BorderSnap,
} from './oracle/border.js';
export {
  OracleTrainer,
  DEFAULT_ORACLE_TRAINING,
  type OracleTrainConfig,
} from './oracle/trainer.js';
export {
  decodeOracle,
  runOracle,
  type Detection,
  type OracleImagePrediction,
  type OracleRun,
} from './oracle/decode.js';
export {
  matchGraph,
  type GraphCompliance,
  type LabelledBox,
  type RelationCheck,
} from './compliance/match.js';
export {
  complianceMetrics,
  SIZE_BIN_EDGES,
  sizeBin,
  sizeBins,
  type ComplianceSummary,
  type LabelRecall,
  type PredicateCompliance,
} from './compliance/compliance.js';
export type { FeatureExtractor, ImageBatch } from './features/feature-extractor.js';
export {
  InceptionExtractor,
  checkBatch,
  type InceptionLikeModel,
  type InceptionOptions,
} from './features/inception.js';
export { OracleExtractor } from './features/oracle-extractor.js';
export {
  evaluateImageSet,
  referenceFeatures,
  featureDistances,
  type Evaluators,
  type ReferenceFeatures,
  type ImageSetMetrics,
  type KidSettings,
} from './report/evaluate.js';
export {
  evaluateModel,
  type EvaluateModelOptions,
  type EvaluatedSet,
  type ImageSetSpec,
  type ImageStore,
} from './report/evaluate-model.js';
export {
  renderReportHtml,
  metricsTable,
  recallByLabelTable,
  recallBySizeTable,
  substitutionTable,
  predicateTable,
  formatMetricsTable,
  type EvalReport,
  type ReportRun,
  type ReportSample,
} from './report/report.js';
