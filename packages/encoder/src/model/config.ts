import type { Vocabulary } from '@sgdiff/scene-graph';
import type { GlobalPooling } from './global-pooling.js';

/** Everything that fixes the encoder's weights and outputs. Plain data: saved in the checkpoint. */
export interface EncoderConfig {
  /** Object embedding table size (`vocab.numObjects`, `__image__` included). */
  numObjects: number;
  /** Predicate embedding table size (`vocab.numPredicates`, `__in_image__` included). */
  numPredicates: number;
  /** Index of `__in_image__` (`vocab.inImageIndex`): orders local tokens, and the bag-of-objects filter. */
  inImagePredicate: number;
  /** Width of object and predicate vectors through the graph convolutions. */
  dim: number;
  /** Hidden width of GraphTripleConv's MLPs (sg2im: 512). */
  hidden: number;
  /** Number of GraphTripleConv layers (SGDiff: 6). */
  layers: number;
  /** Local tokens per image (SGDiff: 15). Triples beyond this are cut, fewer are padded. */
  tokens: number;
  /** Width of the local and global tokens handed to the diffusion UNet. */
  tokenDim: number;
  /** Add a box embedding to the vectors of objects that have a box. */
  useBoxes: boolean;
  /** false: the bag-of-objects ablation. Relations are dropped; only `__in_image__` edges remain. */
  useRelations: boolean;
  /**
   * Each GraphTripleConv adds its input to its output (absent: false, as sg2im and checkpoints
   * saved before the option). Without it, neighbour averaging washes the labels out of the
   * vectors layer by layer, and pre-training makes it worse (see the encoder README).
   */
  residual?: boolean;
  /**
   * How the global token is made (absent: `means`, as checkpoints saved before the option). The
   * `means` global barely moves when a relation's subject and object are swapped; the triple
   * poolings read each local token, [s ‖ p ‖ o] in order (see `global-pooling.ts`).
   */
  globalPooling?: GlobalPooling;
  /** Attention heads of the `triple-attention` pool (absent: 4). */
  globalHeads?: number;
}

export type EncoderPreset = 'synthetic' | 'sgdiff' | 'tiny';

type Architecture = Omit<EncoderConfig, 'numObjects' | 'numPredicates' | 'inImagePredicate'>;

export const ENCODER_PRESETS: Record<EncoderPreset, Architecture> = {
  /** Small enough to pre-train on a 2-core CPU in under an hour (64×64 synthetic data). */
  synthetic: {
    dim: 128,
    hidden: 256,
    layers: 4,
    tokens: 15,
    tokenDim: 128,
    useBoxes: false,
    useRelations: true,
    residual: true,
  },
  /** The paper's encoder: width 512, 6 layers, 15 local tokens. */
  sgdiff: {
    dim: 512,
    hidden: 512,
    layers: 6,
    tokens: 15,
    tokenDim: 512,
    useBoxes: false,
    useRelations: true,
    residual: true,
  },
  /** For tests. */
  tiny: {
    dim: 16,
    hidden: 32,
    layers: 2,
    tokens: 6,
    tokenDim: 16,
    useBoxes: false,
    useRelations: true,
  },
};

/** A complete config: a preset's architecture, the vocabulary's table sizes, then overrides. */
export function encoderConfig(
  vocab: Pick<Vocabulary, 'numObjects' | 'numPredicates' | 'inImageIndex'>,
  preset: EncoderPreset = 'synthetic',
  overrides: Partial<EncoderConfig> = {},
): EncoderConfig {
  return {
    ...ENCODER_PRESETS[preset],
    numObjects: vocab.numObjects,
    numPredicates: vocab.numPredicates,
    inImagePredicate: vocab.inImageIndex,
    ...overrides,
  };
}
