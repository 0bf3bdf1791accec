import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The folder holding tfjs-backend-wasm's .wasm files in node_modules (no network needed). */
export function nodeWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}
