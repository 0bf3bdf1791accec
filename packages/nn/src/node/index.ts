/**
 * @sgdiff/nn/node: Node-only parts. Re-exports everything from the main entry, with Node's
 * initBackend and the fs checkpoint functions in place of the browser ones.
 */
export * from '../index.js';
export { initBackend, type NodeInitBackendOptions } from './init-backend.js';
export { nodeWasmDir } from './wasm-paths.js';
export {
  planWasmThreads,
  busyCores,
  useThreadedWasm,
  useStockWasm,
  activeWasmThreads,
  MAX_WASM_THREADS,
  THREADED_WASM_CHECKED_VERSION,
  type ThreadsChoice,
  type ThreadPlan,
} from './wasm-threads.js';
export { installDawn } from './dawn.js';
export { writeDirAtomically } from './atomic-dir.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadCheckpointInto,
  fsReader,
  type SaveOptions,
  type WeightSource,
} from './checkpoint.js';
export { saveOptimizerState, loadOptimizerState, OPTIMIZER_DIR } from './optimizer-checkpoint.js';
