import type { BorderSnap } from './border.js';
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
  /**
   * A finer detection grid: the last stage, upsampled to the resolution of stage `skip.stage`, is
   * concatenated with that stage's output and fused by a 1×1 conv of `skip.channels` before the
   * head. Without it the head reads the last stage (grid = image / total stride).
   */
  skip?: { stage: number; channels: number };
  /** A detection below this presence probability does not count as found. */
  threshold: number;
  /** Inference averages the heads with those of the mirrored image (see `calibrate-oracle`). */
  flipTest?: boolean;
  /** Edges put on the image border at decode time (see `calibrate-oracle`). */
  borderSnap?: BorderSnap;
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

/**
 * The default with a 16×16 grid for 64×64 images (stage 2 fused back in). Boxes of 10–15 px
 * objects are the oracle's main error on the 8×8 grid; this costs ~25% more compute.
 */
export const FINE_ORACLE_CONFIG: OracleConfig = {
  ...DEFAULT_ORACLE_CONFIG,
  skip: { stage: 2, channels: 96 },
};

export function oracleConfig(overrides: Partial<OracleConfig> = {}): OracleConfig {
  return { ...DEFAULT_ORACLE_CONFIG, ...overrides };
}

/** Cells per side of the detection grid. */
export function gridSize(config: OracleConfig): number {
  const last = config.skip ? config.skip.stage : config.stages.length - 1;
  if (last < 0 || last >= config.stages.length)
    throw new Error(`oracle: skip stage ${last} is not one of the ${config.stages.length} stages`);
  const stride = config.stages.slice(0, last + 1).reduce((s, [, st]) => s * st, 1);
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
