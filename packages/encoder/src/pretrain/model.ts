import { Module, tf } from '@sgdiff/nn';
import { type PackedGraphs, type SceneGraph, type Vocabulary } from '@sgdiff/scene-graph';
import { EncoderError } from '../errors.js';
import { packForEncoder, SceneGraphEncoder } from '../model/encoder.js';
import type { Rng } from '../random.js';
import { hardNegativeLogits, LogitScale, scaledCosine, symmetricInfoNCE } from './contrastive.js';
import type { PretrainConfig } from './config.js';
import { ImageEncoder } from './image-encoder.js';
import { imagesToTensor } from './images.js';
import { MaskedDecoder } from './masked-decoder.js';
import { boxMasks, maskedMSE, maskImage, reducedTargets } from './masking.js';
import { randomPerturbation } from './perturb.js';

/** A training batch as the data loader yields it. images: [B, H, W, 3] RGB, flattened. */
export interface PretrainBatch {
  images: Uint8Array;
  graphs: SceneGraph[];
}

/** The encoder and the pre-training heads, as one Module so one optimiser and checkpoint cover all. */
export class MaskedContrastiveModel extends Module {
  readonly encoder: SceneGraphEncoder;
  readonly imageEncoder: ImageEncoder | null;
  readonly logitScale: LogitScale | null;
  readonly decoder: MaskedDecoder | null;

  constructor(readonly config: PretrainConfig) {
    super();
    const { encoder, contrastive, masked, imageSize } = config;
    this.encoder = new SceneGraphEncoder(encoder);
    this.imageEncoder = contrastive.enabled
      ? new ImageEncoder({
          size: imageSize,
          channels: contrastive.imageChannels,
          head: contrastive.imageHead,
          outDim: encoder.tokenDim,
        })
      : null;
    this.logitScale = contrastive.enabled ? new LogitScale(contrastive.temperature) : null;
    this.decoder = masked.enabled
      ? new MaskedDecoder({
          size: imageSize,
          reduce: masked.reduce,
          patch: masked.patch,
          dim: masked.dim,
          heads: masked.heads,
          layers: masked.layers,
          contextDim: encoder.tokenDim,
        })
      : null;
  }
}

/**
 * Everything random about a step, drawn up front in plain arrays so that the loss itself is
 * deterministic: the pixel masks and the hard-negative graphs.
 */
export interface PreparedBatch {
  batchSize: number;
  imageSize: number;
  images: Uint8Array; // [B, H, W, 3]
  /** B original graphs, then K perturbations per graph (graph i's at B + iK … B + iK + K − 1). */
  packed: PackedGraphs;
  hardNegatives: number; // K
  hardMask: Float32Array; // [B, K] 1 where the perturbation exists
  pixelMask: Float32Array | null; // [B, H, W] 1 = hidden
}

export function prepareBatch(
  batch: PretrainBatch,
  config: PretrainConfig,
  vocab: Vocabulary,
  rng: Rng,
): PreparedBatch {
  const B = batch.graphs.length;
  const size = config.imageSize;
  if (batch.images.length !== B * size * size * 3) {
    throw new EncoderError(
      `images hold ${batch.images.length} bytes, expected ${B}×${size}×${size}×3 for ${B} graphs`,
    );
  }
  const kinds = config.contrastive.enabled ? config.contrastive.hardNegatives : [];
  const labels = vocab.objectNames;
  const hardMask = new Float32Array(B * kinds.length);
  const perturbed: SceneGraph[] = [];
  batch.graphs.forEach((g, i) => {
    kinds.forEach((kind, k) => {
      const p = randomPerturbation(g, kind, rng, labels);
      hardMask[i * kinds.length + k] = p ? 1 : 0;
      perturbed.push(p ? p.graph : g); // a stand-in keeps the shape; its mask is 0
    });
  });
  return {
    batchSize: B,
    imageSize: size,
    images: batch.images,
    packed: packForEncoder([...batch.graphs, ...perturbed], vocab),
    hardNegatives: kinds.length,
    hardMask,
    pixelMask: config.masked.enabled
      ? boxMasks(batch.graphs, size, size, rng, config.masked.masking)
      : null,
  };
}

export interface PretrainLosses {
  loss: tf.Scalar;
  contrastive: tf.Scalar;
  masked: tf.Scalar;
}

/** loss = contrastive + λ·masked on a prepared batch. The caller disposes the three scalars. */
export function pretrainLosses(
  model: MaskedContrastiveModel,
  batch: PreparedBatch,
): PretrainLosses {
  const { batchSize: B, imageSize: S, hardNegatives: K } = batch;
  return tf.tidy(() => {
    const images = imagesToTensor(batch.images, B, S, S); // [B, S, S, 3]
    const enc = model.encoder.forward(batch.packed);
    const C = model.config.encoder.tokenDim;
    let contrastive: tf.Scalar = tf.scalar(0);
    let masked: tf.Scalar = tf.scalar(0);
    if (model.imageEncoder && model.logitScale) {
      const scale = model.logitScale.forward();
      const graphs = tf.slice(enc.global, [0, 0], [B, C]); // [B, C]
      const imageVecs = model.imageEncoder.forward(images); // [B, C]
      const logits = scaledCosine(graphs, imageVecs, scale); // [B graphs, B images]
      if (K > 0) {
        const hard = tf.slice(enc.global, [B, 0], [B * K, C]) as tf.Tensor2D; // [B·K, C]
        const hardLogits = hardNegativeLogits(imageVecs, hard, scale); // [B, K]
        contrastive = symmetricInfoNCE(
          logits,
          hardLogits,
          tf.tensor2d(batch.hardMask, [B, K]),
          model.config.contrastive.hardNegativeWeight ?? 1,
        );
      } else {
        contrastive = symmetricInfoNCE(logits);
      }
    }
    if (model.decoder && batch.pixelMask) {
      const mask = tf.tensor3d(batch.pixelMask, [B, S, S]);
      const { target, cellMask } = reducedTargets(images, mask, model.config.masked.reduce);
      const tokens = tf.slice(enc.local, [0, 0, 0], [B, -1, -1]) as tf.Tensor3D;
      const tokenMask = tf.slice(enc.localMask, [0, 0], [B, -1]) as tf.Tensor2D;
      const pred = model.decoder.forward(maskImage(images, mask), tokens, tokenMask);
      masked = maskedMSE(pred, target, cellMask);
    }
    const loss = tf.add(contrastive, tf.mul(masked, model.config.lambda)) as tf.Scalar;
    return { loss, contrastive, masked };
  });
}
