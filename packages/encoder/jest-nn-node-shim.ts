// TEMPORARY: see jest-nn-shim.ts. Maps '@sgdiff/nn/node' until nn's src/node/index.ts exists.
export { initBackend } from '../nn/src/node/init-backend.js';
