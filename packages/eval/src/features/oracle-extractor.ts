import { featureDim } from '../oracle/config.js';
import { runOracle, type OracleRun } from '../oracle/decode.js';
import type { SyntheticOracle } from '../oracle/model.js';
import { checkBatch } from './inception.js';
import type { FeatureExtractor, ImageBatch } from './feature-extractor.js';

/** The synthetic oracle as a feature extractor (FID-synthetic / KID-synthetic). */
export class OracleExtractor implements FeatureExtractor {
  readonly name = 'oracle-synthetic';
  readonly dim: number;

  constructor(readonly oracle: SyntheticOracle) {
    this.dim = featureDim(oracle.config);
  }

  /** Features and decoded predictions in one pass. */
  run(images: ImageBatch): Promise<OracleRun> {
    checkBatch(images);
    return runOracle(this.oracle, images.data, images.n, images.side, {
      channels: images.channels,
    });
  }

  async features(images: ImageBatch): Promise<Float32Array> {
    return (await this.run(images)).features;
  }

  dispose(): void {
    this.oracle.dispose();
  }
}
