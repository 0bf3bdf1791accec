import { SYNTHETIC_STUFF, SYNTHETIC_THINGS } from '@sgdiff/scene-graph';

/**
 * The synthetic oracle's shape. Saved in its checkpoint (`meta.config`), so a checkpoint rebuilds
 * the network it was trained as.
 */
export interface OracleConfig {
  /** Input side in pixels; other sizes are resized (bilinear) to it. */
  imageSize: number;
  /** Object classes, in output-channel order (24 things, then 4 stuff for the synthetic set). */
  classes: string[];
  /**
   * Conv stages as [outChannels, stride]. The product of strides is the detection grid's cell
   * size; the last stage's output, global-average-pooled, is the feature vector for FID/KID.
   */
  stages: [number, number][];
  /** GroupNorm groups after each conv (0: no normalisation). */
  groups: number;
  /** A detection below this presence probability does not count as found. */
  threshold: number;
}

export const DEFAULT_ORACLE_CONFIG: OracleConfig = {
  imageSize: 64,
  classes: [...SYNTHETIC_THINGS, ...SYNTHETIC_STUFF],
  stages: [
    [24, 2],
    [48, 2],
    [64, 1],
    [96, 2],
    [96, 1],
    [128, 1],
  ],
  groups: 8,
  threshold: 0.3,
};

export function oracleConfig(overrides: Partial<OracleConfig> = {}): OracleConfig {
  return { ...DEFAULT_ORACLE_CONFIG, ...overrides };
}

/** Cells per side of the detection grid. */
export function gridSize(config: OracleConfig): number {
  const stride = config.stages.reduce((s, [, st]) => s * st, 1);
  if (config.imageSize % stride !== 0)
    throw new Error(
      `oracle: image size ${config.imageSize} is not a multiple of the total stride ${stride}`,
    );
  return config.imageSize / stride;
}

/** Dimension of the pooled feature vector. */
export function featureDim(config: OracleConfig): number {
  return config.stages[config.stages.length - 1][0];
}
