import * as tf from '../tf/index.js';
import { initBackend } from '../node/init-backend.js';
import { nodeWasmDir } from '../node/wasm-paths.js';
import { webgpuAdapter } from '../testing/backends.js';
import { describeWebGpuAdapter, isSoftwareRenderer } from './adapter-info.js';
import { formatBackendInfo } from './types.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

describe('adapter classification', () => {
  it('recognises CPU rasterisers', () => {
    expect(isSoftwareRenderer('llvmpipe (LLVM 19.1.7, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('Google SwiftShader')).toBe(true);
    expect(isSoftwareRenderer('NVIDIA H100 80GB HBM3')).toBe(false);
    expect(describeWebGpuAdapter({ info: { vendor: 'nvidia', architecture: 'hopper' } })).toEqual({
      name: 'nvidia hopper',
      softwareFallback: false,
    });
    expect(
      describeWebGpuAdapter({ info: { vendor: 'mesa', device: 'llvmpipe' } }).softwareFallback,
    ).toBe(true);
    expect(
      describeWebGpuAdapter({ isFallbackAdapter: true, info: { vendor: 'x' } }).softwareFallback,
    ).toBe(true);
  });
});

describe('initBackend (Node)', () => {
  it('finds the WASM binaries in node_modules, without network', () => {
    expect(existsSync(join(nodeWasmDir(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('auto skips a software WebGPU adapter and tfjs-node when absent, picks WASM, and logs it', async () => {
    const realGpu = webgpuAdapter() !== '' && !isSoftwareRenderer(webgpuAdapter());
    const lines: string[] = [];
    const info = await initBackend({ log: (l) => lines.push(l) });
    expect(lines).toEqual([formatBackendInfo(info)]);
    if (realGpu) {
      expect(info.backend).toBe('webgpu');
      return;
    }
    expect(info).toMatchObject({
      backend: 'wasm',
      adapter: expect.stringMatching(/^wasm/),
      softwareFallback: false,
      threads: expect.any(Number),
    });
    expect(tf.getBackend()).toBe('wasm');
    expect(lines[0]).toMatch(
      /^\[@sgdiff\/nn\] backend=wasm adapter="wasm.*" threads=\d softwareFallback=false( \(.*\))?$/,
    );
  });

  it('an explicit choice that cannot start throws a clear error', async () => {
    await expect(initBackend({ backend: 'tensorflow', log: false })).rejects.toThrow(
      /tensorflow: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/,
    );
    await expect(initBackend({ backend: 'webgl', log: false })).rejects.toThrow(
      /webgl.*not available in Node/,
    );
  });

  it('cpu reports the JavaScript backend', async () => {
    expect(await initBackend({ backend: 'cpu', log: false })).toEqual({
      backend: 'cpu',
      adapter: 'javascript',
      softwareFallback: false,
    });
  });

  (webgpuAdapter() || process.env.CI ? it : it.skip)(
    'explicit webgpu reports the adapter and its software flag',
    async () => {
      const info = await initBackend({ backend: 'webgpu', log: false });
      expect(info.backend).toBe('webgpu');
      expect(info.adapter.length).toBeGreaterThan(0);
      expect(info.softwareFallback).toBe(isSoftwareRenderer(webgpuAdapter()));
    },
  );
});
