// Test helpers: run a suite on several backends and compare against the cpu backend.
import * as tf from '../tf/index.js';
import { initBackend } from '../node/init-backend.js';

export type TestBackend = 'cpu' | 'wasm' | 'webgpu';

/** The WebGPU adapter found by jest.global-setup.cjs, or '' when there is none. */
export function webgpuAdapter(): string {
  return process.env.SGDIFF_WEBGPU_ADAPTER ?? '';
}

/**
 * `describe` once per backend. WebGPU without an adapter fails under CI=true (lavapipe is
 * installed there by .ci/system-deps.sh) and is skipped elsewhere.
 */
export function describeOnBackends(
  backends: TestBackend[],
  body: (backend: TestBackend) => void,
): void {
  for (const backend of backends) {
    if (backend === 'webgpu' && !webgpuAdapter()) {
      if (process.env.CI) {
        describe('webgpu', () => {
          it('has a WebGPU adapter (install Mesa 25 lavapipe: .ci/system-deps.sh)', () => {
            throw new Error('CI=true but Dawn found no WebGPU adapter');
          });
        });
      } else {
        describe.skip('webgpu (no adapter; set CI=true to fail instead)', () => body(backend));
      }
      continue;
    }
    describe(backend, () => {
      beforeAll(async () => {
        await useBackend(backend);
      });
      body(backend);
    });
  }
}

export async function useBackend(backend: TestBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  await initBackend({ backend, log: false, allowSoftwareWebGpu: true });
}

/** Runs `f` on the cpu backend and returns its outputs as plain arrays, then switches back. */
export async function onCpu(f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await useBackend('cpu');
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  await useBackend(previous as TestBackend);
  return values;
}

/** Max |a − b| scaled by max(1, |b|), element-wise. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  }
  return worst;
}

/** A deterministic pseudo-random array in [-1, 1) (mulberry32), independent of tfjs. */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
