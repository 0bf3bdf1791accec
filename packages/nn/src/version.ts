/** This package's version, recorded in checkpoints (kept equal to package.json by a test). */
export const NN_VERSION = '0.1.0';
