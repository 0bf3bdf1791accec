// The one place this package takes tfjs from.
// TODO: @sgdiff/nn's index does not export `tf` yet; when it does, this file becomes
// `export { tf } from '@sgdiff/nn';` and nothing else changes. Until then tfjs-core comes
// straight from the workspace (it is a dependency of @sgdiff/nn). Gradients are registered
// globally by whoever imports @sgdiff/nn's tf, so training callers still get them.
import * as tf from '@tensorflow/tfjs-core';

export { tf };
export type Tensor = tf.Tensor;
