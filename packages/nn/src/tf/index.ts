// The one tfjs-core that SGDiff code uses, with gradients and chained ops registered.
// Import `tf` from '@sgdiff/nn' rather than '@tensorflow/tfjs-core' so gradients are present.
import '#tfjs-gradients';

export * from '@tensorflow/tfjs-core';
