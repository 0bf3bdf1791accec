/** @sgdiff/eval/node: Node-only parts (checkpoints and model files on disk). Re-exports the main entry. */
export * from '../index.js';
export { loadOracle, oracleCheckpointDir, saveOracle } from './oracle-checkpoint.js';
export { loadInceptionFromPath, type InceptionPathOptions } from './inception-loader.js';
