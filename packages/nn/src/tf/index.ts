// The one tfjs-core that SGDiff code uses, with gradients and chained ops registered.
// Import `tf` from '@sgdiff/nn' rather than '@tensorflow/tfjs-core' so gradients are present.
// Core first: the engine and Tensor class must come from the package, not the gradient bundle.
export * from '@tensorflow/tfjs-core';
import '#tfjs-gradients';
