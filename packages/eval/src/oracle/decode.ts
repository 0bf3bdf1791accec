import { tf } from '@sgdiff/nn';
import type { Box } from '@sgdiff/scene-graph';
import { EvalError } from '../errors.js';
import { snapToBorder } from './border.js';
import { featureDim, gridSize, type OracleConfig } from './config.js';
import { oracleInput, type SyntheticOracle } from './model.js';

/** One instance the oracle sees. */
export interface Detection {
  classIndex: number;
  label: string;
  /** Presence probability at the heatmap peak. */
  score: number;
  /** Normalised [x0, y0, x1, y1], clamped to the image. */
  box: Box;
}

export interface OracleImagePrediction {
  /** Peaks scoring ≥ the config's threshold, best first. */
  detections: Detection[];
  /** Per class, the highest presence probability anywhere: [K]. */
  presence: Float32Array;
  /** Per class, the box of its best-scoring peak (the "one box per class" view); undefined when absent. */
  classBoxes: (Box | undefined)[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Heatmap peaks → detections. A peak is a cell at least as high as its 8 neighbours (ties go to
 * the first in row-major order); its box is read from the same cell's class-specific regression.
 */
// heat: [N, G, G, K] logits; boxes: [N, G, G, K*4] in cells from the cell centre
export function decodeOracle(
  heat: Float32Array,
  boxes: Float32Array,
  n: number,
  config: OracleConfig,
  threshold = config.threshold,
): OracleImagePrediction[] {
  const G = gridSize(config);
  const K = config.classes.length;
  if (heat.length !== n * G * G * K || boxes.length !== 4 * heat.length) {
    throw new EvalError(
      `decodeOracle: expected ${n}×${G}×${G}×${K} heat values and 4× as many box values, got ${heat.length} and ${boxes.length}`,
    );
  }
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const snap = config.borderSnap;
  const snapSides = config.classes.map((c) =>
    snap && snap.margin > 0 ? snap.sides[c] : undefined,
  );
  const out: OracleImagePrediction[] = [];
  for (let b = 0; b < n; b++) {
    const at = (j: number, i: number, k: number) => ((b * G + j) * G + i) * K + k;
    const presence = new Float32Array(K);
    const classBoxes: (Box | undefined)[] = new Array(K).fill(undefined);
    const detections: Detection[] = [];
    for (let k = 0; k < K; k++) {
      let best = -Infinity;
      for (let j = 0; j < G; j++) {
        for (let i = 0; i < G; i++) {
          const z = heat[at(j, i, k)];
          let peak = true;
          for (let dj = -1; dj <= 1 && peak; dj++) {
            for (let di = -1; di <= 1; di++) {
              const jj = j + dj;
              const ii = i + di;
              if ((dj === 0 && di === 0) || jj < 0 || ii < 0 || jj >= G || ii >= G) continue;
              const other = heat[at(jj, ii, k)];
              // Strictly higher neighbours, or equal ones earlier in row-major order, win.
              if (other > z || (other === z && jj * G + ii < j * G + i)) {
                peak = false;
                break;
              }
            }
          }
          if (!peak) continue;
          const p = sigmoid(z);
          const r = at(j, i, k) * 4;
          let box: Box = [
            clamp((i + 0.5 - boxes[r]) / G),
            clamp((j + 0.5 - boxes[r + 1]) / G),
            clamp((i + 0.5 + boxes[r + 2]) / G),
            clamp((j + 0.5 + boxes[r + 3]) / G),
          ];
          const sides = snapSides[k];
          if (sides) box = snapToBorder(box, sides, snap!.margin);
          if (p > best) {
            best = p;
            classBoxes[k] = box;
          }
          if (p >= threshold)
            detections.push({ classIndex: k, label: config.classes[k], score: p, box });
        }
      }
      presence[k] = Math.max(0, best);
    }
    detections.sort((a, b2) => b2.score - a.score);
    out.push({ detections, presence, classBoxes });
  }
  return out;
}

/**
 * Flip test-time augmentation: heads averaged with the heads of the mirrored image, mirrored back
 * (heat along the width; boxes also swap their left and right distances). The result is exactly
 * mirror-equivariant. Features stay those of the image as given.
 */
function withMirrorAverage(
  oracle: SyntheticOracle,
  x: tf.Tensor4D,
  o: { heat: tf.Tensor4D; boxes: tf.Tensor4D },
): [tf.Tensor4D, tf.Tensor4D] {
  const f = oracle.forward(tf.reverse(x, 2));
  const [b, g, , k4] = f.boxes.shape;
  const k = k4 / 4;
  const mirroredBoxes = tf.reshape(
    tf.gather(tf.reshape(tf.reverse(f.boxes, 2), [b, g, g, k, 4]), [2, 1, 0, 3], 4),
    [b, g, g, k4],
  );
  return [
    tf.mul(tf.add(o.heat, tf.reverse(f.heat, 2)), 0.5) as tf.Tensor4D,
    tf.mul(tf.add(o.boxes, mirroredBoxes), 0.5) as tf.Tensor4D,
  ];
}

export interface OracleRun {
  /** Pooled features, row-major: [N, F]. */
  features: Float32Array;
  dim: number;
  predictions: OracleImagePrediction[];
}

/**
 * Runs the oracle over byte images in batches (inference mode), returning features and decoded
 * predictions. Images of another side are resized to the oracle's.
 */
// images: [N, side, side, channels] bytes (channels 3 = RGB, 4 = RGBA)
export async function runOracle(
  oracle: SyntheticOracle,
  images: Uint8Array | Uint8ClampedArray,
  n: number,
  side: number,
  { channels = 3, batchSize = 64 }: { channels?: number; batchSize?: number } = {},
): Promise<OracleRun> {
  if (images.length !== n * side * side * channels) {
    throw new EvalError(
      `runOracle: ${images.length} bytes are not ${n} images of ${side}×${side}×${channels}`,
    );
  }
  const cfg = oracle.config;
  const F = featureDim(cfg);
  const features = new Float32Array(n * F);
  const predictions: OracleImagePrediction[] = [];
  const per = side * side * channels;
  const wasTraining = oracle.training;
  oracle.eval();
  try {
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      const out = tf.tidy(() => {
        const x = oracleInput(images.subarray(s * per, (s + m) * per), m, side, cfg, channels);
        const o = oracle.forward(x);
        if (!cfg.flipTest) return [o.features, o.heat, o.boxes];
        const [heat, boxes] = withMirrorAverage(oracle, x, o);
        return [o.features, heat, boxes];
      });
      const [f, h, bx] = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(out);
      features.set(f, s * F);
      predictions.push(...decodeOracle(h, bx, m, cfg));
    }
  } finally {
    oracle.train(wasTraining);
  }
  return { features, dim: F, predictions };
}
