// The SIMD GEMM/conv module (native/sgemm.c) behind the wasm Conv2D, FusedConv2D,
// Conv2DBackpropFilter, BatchMatMul and _FusedMatMul kernels, against the cpu backend.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../../tf/index.js';
import { describeOnBackends, maxRelError, onCpu, randomArray } from '../../testing/backends.js';
import { isReplacementInstalled } from '../register.js';
import { SimdGemm, setWinogradScratchBytes } from './simd-gemm.js';

const size = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);
const rand = (shape: readonly number[], seed: number) =>
  tf.tensor(randomArray(size(shape), seed), [...shape]);

interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  dilation?: number;
  bias?: boolean;
  /** Max relative error against cpu: Winograd's transforms round a few ulps more. */
  tol?: number;
}

// 3×3 'same' with Co % 8 == 0 (every path on the module) and Co % 8 != 0 (partial panels; the
// filter gradient then takes the im2col path); pixel counts not a multiple of the 4-row tile;
// strides, dilation, 1×1, 'valid', explicit and asymmetric padding, one input channel.
const CONVS: Array<[string, ConvCase]> = [
  [
    '3x3 s1 same 16->16 +bias',
    { x: [2, 7, 6, 16], w: [3, 3, 16, 16], stride: 1, pad: 'same', bias: true },
  ],
  [
    '3x3 s1 same 5->13 +bias',
    { x: [3, 5, 7, 5], w: [3, 3, 5, 13], stride: 1, pad: 'same', bias: true },
  ],
  ['3x3 s2 same 8->24', { x: [2, 9, 8, 8], w: [3, 3, 8, 24], stride: 2, pad: 'same' }],
  [
    '3x3 dilation 2 same 4->8',
    { x: [1, 11, 10, 4], w: [3, 3, 4, 8], stride: 1, pad: 'same', dilation: 2 },
  ],
  ['1x1 7->9 +bias', { x: [3, 5, 5, 7], w: [1, 1, 7, 9], stride: 1, pad: 'valid', bias: true }],
  ['4x3 s(2,1) valid 6->8', { x: [2, 10, 9, 6], w: [4, 3, 6, 8], stride: [2, 1], pad: 'valid' }],
  [
    '3x3 explicit pads (2,0)(1,3) 3->16',
    {
      x: [2, 6, 5, 3],
      w: [3, 3, 3, 16],
      stride: 1,
      pad: [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ],
    },
  ],
  ['5x5 s1 same 1->8', { x: [2, 8, 8, 1], w: [5, 5, 1, 8], stride: 1, pad: 'same' }],
  // Winograd F(2×2, 3×3): odd output sizes (partial tiles), several tile blocks, asymmetric pads.
  [
    '3x3 s1 same 20->24 +bias, 270 tiles',
    { x: [3, 20, 17, 20], w: [3, 3, 20, 24], stride: 1, pad: 'same', bias: true, tol: 4e-5 },
  ],
  [
    '3x3 s1 valid 16->8, odd output',
    { x: [2, 7, 8, 16], w: [3, 3, 16, 8], stride: 1, pad: 'valid' },
  ],
  [
    '3x3 explicit pads (0,2)(2,1) 16->16',
    {
      x: [1, 9, 6, 16],
      w: [3, 3, 16, 16],
      stride: 1,
      pad: [
        [0, 0],
        [0, 2],
        [2, 1],
        [0, 0],
      ],
    },
  ],
];

function convOutputs(c: ConvCase): tf.Tensor[] {
  const x = rand(c.x, 1) as tf.Tensor4D;
  const w = rand(c.w, 2) as tf.Tensor4D;
  const b = c.bias ? (rand([c.w[3]], 3) as tf.Tensor1D) : undefined;
  const conv = (p: tf.Tensor4D, q: tf.Tensor4D) =>
    b
      ? tf.fused.conv2d({
          x: p,
          filter: q,
          strides: c.stride,
          pad: c.pad,
          dilations: c.dilation ?? 1,
          bias: b,
        })
      : tf.conv2d(p, q, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
  const y = conv(x, w);
  const r = rand(y.shape, 4);
  // Dilated convs have no filter gradient in tfjs (on any backend): forward only.
  if ((c.dilation ?? 1) > 1) return [y];
  const [gx, gw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
    tf.sum(tf.mul(conv(p as tf.Tensor4D, q as tf.Tensor4D), r)),
  )([x, w]);
  return [y, gx, gw];
}

describeOnBackends(['wasm'], () => {
  it('runs the SIMD module on the wasm backend and installs its kernels', () => {
    expect(SimdGemm.for(tf.backend())).not.toBeNull();
    for (const k of ['Conv2D', 'FusedConv2D', '_FusedMatMul', 'Conv2DBackpropFilter'])
      expect(isReplacementInstalled(k, 'wasm')).toBe(true);
  });

  it.each(CONVS)('conv and its gradients match cpu: %s', async (_, c) => {
    const ref = await onCpu(() => convOutputs(c));
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => convOutputs(c));
    expect(tf.memory().numTensors).toBe(before + ref.length);
    for (let i = 0; i < ref.length; i++)
      expect(maxRelError(await out[i].data(), ref[i])).toBeLessThan(c.tol ?? 1e-5);
    tf.dispose(out);
  });

  it('runs 3×3 stride-1 convs and their gradients by Winograd, in passes, as the direct path', async () => {
    // Ci = 32, Co = 16: the forward, the input gradient (a 16 → 32 conv) and the filter gradient
    // all qualify. 2·6·5 = 60 output tiles.
    const x = rand([2, 11, 9, 32], 11) as tf.Tensor4D;
    const w = rand([3, 3, 32, 16], 12) as tf.Tensor4D;
    const b = rand([16], 13) as tf.Tensor1D;
    const r = rand([2, 11, 9, 16], 14);
    const run = () => {
      const y = tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b });
      const [gx, gw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'), r)),
      )([x, w]);
      return [y, gx, gw];
    };
    const simd = SimdGemm.for(tf.backend())! as unknown as {
      fns: Record<string, (...a: number[]) => void>;
    };
    const fns = simd.fns;
    const calls: Record<string, number> = {};
    simd.fns = Object.fromEntries(
      Object.entries(fns).map(([k, f]) => [
        k,
        (...a: number[]) => ((calls[k] = (calls[k] ?? 0) + 1), f(...a)),
      ]),
    );
    // 16·48·4 bytes a tile: passes of 5 tiles (forward: 12 of them), 7 for the filter gradient (9).
    const old = setWinogradScratchBytes(16 * 48 * 4 * 5, 16 * 48 * 4 * 7);
    try {
      const ref = await onCpu(run);
      const wino = tf.tidy(run);
      // 12 passes each: two forwards (y, and the one inside grads) and the input gradient's conv.
      expect(calls.winograd_conv).toBe(36);
      expect(calls.winograd_grad_tiles).toBe(9);
      expect(calls.winograd_filter_grad).toBe(1);
      expect(calls.conv2d ?? 0).toBe(0);
      expect(calls.conv2d_filter_grad ?? 0).toBe(0);
      process.env.SGDIFF_WINOGRAD = 'off';
      const direct = tf.tidy(run);
      expect(calls.conv2d).toBe(3);
      expect(calls.conv2d_filter_grad).toBe(1);
      for (let i = 0; i < 3; i++) {
        expect(maxRelError(await wino[i].data(), ref[i])).toBeLessThan(2e-5);
        expect(maxRelError(await direct[i].data(), ref[i])).toBeLessThan(1e-5);
      }
      tf.dispose([...wino, ...direct, ...ref]);
    } finally {
      delete process.env.SGDIFF_WINOGRAD;
      setWinogradScratchBytes(...old);
      simd.fns = fns;
      tf.dispose([x, w, b, r]);
    }
  });

  it.each([
    ['[5,7]·[7,11] + bias', [5, 7], [7, 11], false, false],
    ['[3,6,9]ᵀ·[1,6,10] + bias', [3, 6, 9], [1, 6, 10], true, false],
    ['[2,13,17]·[2,9,17]ᵀ + bias', [2, 13, 17], [2, 9, 17], false, true],
    ['[4,33,40]·[40,24] + bias (Linear)', [4, 33, 40], [40, 24], false, false],
  ] as const)(
    'fused matMul (Linear) and its gradients match cpu: %s',
    async (_, as, bs, ta, tb) => {
      const make = () => {
        const a = rand(as, 5);
        const b = rand(bs, 6);
        const n = tb ? bs[bs.length - 2] : bs[bs.length - 1];
        const bias = rand([n], 7);
        const f = (p: tf.Tensor, q: tf.Tensor) =>
          tf.fused.matMul({ a: p, b: q, transposeA: ta, transposeB: tb, bias });
        const y = f(a, b);
        const r = rand(y.shape, 8);
        // tfjs 4.22's matMul gradients do not reduce broadcast batch dims (on any backend).
        if (bs.length !== as.length || bs[0] !== as[0]) return [y];
        const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), r)))([
          a,
          b,
        ]);
        return [y, ga, gb];
      };
      const ref = await onCpu(make);
      const out = tf.tidy(make);
      for (let i = 0; i < ref.length; i++)
        expect(maxRelError(await out[i].data(), ref[i])).toBeLessThan(1e-5);
      tf.dispose(out);
    },
  );

  it('frees what it allocates on the wasm heap and leaves no tensors behind', () => {
    expect(tf.getBackend()).toBe('wasm');
    const backend = tf.backend() as unknown as {
      wasm: { _malloc(n: number): number; _free(p: number): void };
      numDataIds(): number;
    };
    const x = rand([2, 8, 8, 16], 1) as tf.Tensor4D;
    const w = rand([3, 3, 16, 8], 2) as tf.Tensor4D;
    const a = rand([2, 20, 16], 3);
    const b = rand([2, 16, 12], 4);
    const dataBefore = backend.numDataIds();
    const { _malloc: malloc, _free: free } = backend.wasm;
    let live = 0;
    backend.wasm._malloc = (n) => (live++, malloc(n));
    backend.wasm._free = (p) => (live--, free(p));
    try {
      tf.tidy(() => {
        tf.conv2d(x, w, 1, 'same');
        tf.grads((p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')),
        )([x, w]);
        tf.matMul(a, b);
      });
    } finally {
      backend.wasm._malloc = malloc;
      backend.wasm._free = free;
    }
    expect(live).toBe(0); // every malloc (tensors, packed filters, zero rows) was freed
    expect(backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, w, a, b]);
  });
});

// The committed module is what native/build.sh makes from native/sgemm.c. Needs Debian's
// clang-14 and lld-14 (installed by .ci/system-deps.sh); skipped elsewhere, failing under CI.
const hasClang = spawnSync('clang-14', ['--version']).status === 0;
(hasClang || process.env.CI ? describe : describe.skip)('simd-gemm-binary.ts', () => {
  it('is reproducible from native/sgemm.c', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgdiff-simd-'));
    try {
      const out = join(dir, 'binary.ts');
      execFileSync(
        'bash',
        [fileURLToPath(new URL('../../../native/build.sh', import.meta.url)), out],
        { stdio: 'pipe' },
      );
      expect(readFileSync(out, 'utf8')).toBe(
        readFileSync(new URL('simd-gemm-binary.ts', import.meta.url), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
