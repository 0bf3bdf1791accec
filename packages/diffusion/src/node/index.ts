// Node-only: model directories on disk. Re-exports the browser-safe API.
export * from '../index.js';
export { fsModelSource, loadPipeline, writeModelDirectory } from './model-dir.js';
