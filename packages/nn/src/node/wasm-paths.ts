import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BINARY = 'tfjs-backend-wasm-simd.wasm';

/**
 * The folder holding tfjs-backend-wasm's .wasm files, found without network: node_modules when
 * installed, else the folder of the running file (a bundle ships the binaries beside itself).
 */
export function nodeWasmDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return (
      join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
    );
  } catch {
    const here = dirname(fileURLToPath(import.meta.url));
    if (existsSync(join(here, BINARY))) return here + '/';
    throw new Error(
      `@sgdiff/nn: cannot find ${BINARY}: install @tensorflow/tfjs-backend-wasm or pass wasmPaths`,
    );
  }
}
