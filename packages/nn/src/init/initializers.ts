import * as tf from '../tf/index.js';

// Weight initialisers. Shapes follow tfjs: dense [in, out], conv [kh, kw, in, out].

/** fan-in and fan-out of a dense or conv weight shape. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    fanIn: shape[shape.length - 2] * receptive,
    fanOut: shape[shape.length - 1] * receptive,
  };
}

export interface InitOptions {
  seed?: number;
}

let initScope: { seed: number; next: number } | null = null;

/**
 * Builds with every initialiser that is given no seed drawing the next seed of one stream derived
 * from `seed`: a model built the same way inside gets the same weights on any backend (tfjs's
 * seeded random ops run in JS). Scopes nest; the outer one resumes after.
 */
export function withInitSeed<T>(seed: number, build: () => T): T {
  const outer = initScope;
  initScope = { seed, next: 0 };
  try {
    return build();
  } finally {
    initScope = outer;
  }
}

/** `explicit` if given; else, inside `withInitSeed`, the stream's next seed; else undefined. */
export function initSeed(explicit?: number): number | undefined {
  if (explicit !== undefined) return explicit;
  if (!initScope) return undefined;
  return deriveSeed(initScope.seed, initScope.next++);
}

/** He et al. normal: std = gain / √fan, gain √2 (ReLU). */
export function kaimingNormal(
  shape: number[],
  options: InitOptions & { gain?: number; mode?: 'fanIn' | 'fanOut' } = {},
): tf.Tensor {
  const f = fans(shape);
  const fan = options.mode === 'fanOut' ? f.fanOut : f.fanIn;
  return tf.randomNormal(
    shape,
    0,
    (options.gain ?? Math.SQRT2) / Math.sqrt(fan),
    'float32',
    initSeed(options.seed),
  );
}

/**
 * He et al. uniform: bound = gain·√(3 / fan). The default gain √(1/3) gives PyTorch's default
 * for Linear/Conv (kaiming_uniform with a = √5): bound = 1/√fanIn.
 */
export function kaimingUniform(
  shape: number[],
  options: InitOptions & { gain?: number } = {},
): tf.Tensor {
  const bound = (options.gain ?? Math.sqrt(1 / 3)) * Math.sqrt(3 / fans(shape).fanIn);
  return tf.randomUniform(shape, -bound, bound, 'float32', initSeed(options.seed));
}

/** Glorot uniform: bound = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(
  shape: number[],
  options: InitOptions & { gain?: number } = {},
): tf.Tensor {
  const f = fans(shape);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / (f.fanIn + f.fanOut));
  return tf.randomUniform(shape, -bound, bound, 'float32', initSeed(options.seed));
}

/** Glorot normal: std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(
  shape: number[],
  options: InitOptions & { gain?: number } = {},
): tf.Tensor {
  const f = fans(shape);
  return tf.randomNormal(
    shape,
    0,
    (options.gain ?? 1) * Math.sqrt(2 / (f.fanIn + f.fanOut)),
    'float32',
    initSeed(options.seed),
  );
}

/** Uniform in ±1/√fanIn: PyTorch's default bias init for Linear/Conv. */
export function fanInUniform(shape: number[], fanIn: number, options: InitOptions = {}): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -bound, bound, 'float32', initSeed(options.seed));
}

/** How a layer initialises its weight. 'zeros' is for residual outputs (the block starts as identity). */
export type WeightInit = 'kaiming' | 'kaimingNormal' | 'xavier' | 'zeros';

export function initWeight(kind: WeightInit, shape: number[], seed?: number): tf.Tensor {
  switch (kind) {
    case 'kaiming':
      return kaimingUniform(shape, { seed });
    case 'kaimingNormal':
      return kaimingNormal(shape, { seed });
    case 'xavier':
      return xavierUniform(shape, { seed });
    case 'zeros':
      return tf.zeros(shape);
  }
}

/**
 * A seed for sub-layer `index` of a module seeded with `seed`: a 32-bit integer hash, so that
 * layers of one module, and modules seeded with neighbouring seeds, get unrelated streams.
 * Undefined in, undefined out (an unseeded module stays unseeded).
 */
export function deriveSeed(seed: number | undefined, index: number): number | undefined {
  if (seed === undefined) return undefined;
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
