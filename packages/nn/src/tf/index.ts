// The one tfjs-core that SGDiff code uses, with gradients and chained ops registered.
// Import `tf` from '@sgdiff/nn' rather than '@tensorflow/tfjs-core' so gradients are present.
// Core first: the engine and Tensor class must come from the package, not the gradient bundle.
export * from '@tensorflow/tfjs-core';
// package.json "imports" picks the Node bundle or tfjs-core's ESM files; no relative path can.
// eslint-disable-next-line @nx/enforce-module-boundaries
import '#tfjs-gradients';
