// TEMPORARY: @sgdiff/nn's index.ts is still a placeholder, so tests map '@sgdiff/nn' here.
// Delete this file and the moduleNameMapper entry in jest.config.cjs once nn exports its API.
export * as tf from '../nn/src/tf/index.js';
export * from '../nn/src/modules/index.js';
export * from '../nn/src/optim/index.js';
