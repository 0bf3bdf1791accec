// Fused GroupNorm (± SiLU) forward and backward for the wasm backend: the SIMD module's
// group_norm kernels (native/sgemm.c; C % 4 == 0, no SiLU) or plain JS loops over the wasm heap, a few passes over the data instead of the ~14 (forward) and ~40–60 (backward) tfjs ops
// of the tf.moments composition, each of which allocates and sweeps a full tensor.
//
// Forward:  μ, r = 1/√(var + eps) per (b, g); x̂ = (x − μ)·r; z = γ·x̂ + β; y = z or z·σ(z).
// Backward: dz = dy (or dy·σ(z)·(1 + z·(1 − σ(z))) with SiLU); dβ = Σ dz; dγ = Σ dz·x̂;
//           dx = r·(γ·dz − mean_g(γ·dz) − x̂·mean_g(γ·dz·x̂)).
import * as tf from '../../tf/index.js';
import { SimdGemm } from './simd-gemm.js';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface GnAttrs {
  groups: number;
  eps: number;
  silu: boolean;
}

export const GROUP_NORM_WASM = 'SgdiffGroupNormWasm';
export const GROUP_NORM_GRAD_WASM = 'SgdiffGroupNormGradWasm';

let enabled = true;

/**
 * Turns this package's fused wasm kernels (GroupNorm ± SiLU) on or off. On by default; off,
 * `GroupNorm` uses the plain tfjs composition (benchmarks compare both in one run).
 */
export function setFusedWasmKernels(on: boolean): void {
  enabled = on;
}

/** Whether the fused wasm kernels are switched on (see `setFusedWasmKernels`). */
export function fusedWasmKernelsEnabled(): boolean {
  return enabled;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

// x: [B, N, C], gamma/beta: [C] → y: [B, N, C], stats: [B, G, 2] (mean, rstd)
function forwardKernel({
  inputs,
  attrs,
  backend,
}: {
  inputs: { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  attrs: GnAttrs;
  backend: WasmHeapBackend;
}): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const { groups, eps, silu } = attrs;
  const [b, n, c] = x.shape;
  const cg = c / groups;
  const y = backend.makeOutput([b, n, c], 'float32');
  const stats = backend.makeOutput([b, groups, 2], 'float32');
  const simd = c % 4 === 0 && !silu ? SimdGemm.for(backend) : null;
  if (simd) {
    const [px, pg, pb, py, ps] = [x, gamma, beta, y, stats].map((t) => simd.ptr(t));
    simd.groupNorm({ x: px, gamma: pg, beta: pb, y: py, stats: ps, b, n, c, groups, eps });
    return [y, stats];
  }
  const xs = backend.typedArrayFromHeap(x);
  const ys = backend.typedArrayFromHeap(y);
  const st = backend.typedArrayFromHeap(stats);
  const ga = backend.typedArrayFromHeap(gamma);
  const be = backend.typedArrayFromHeap(beta);
  const count = n * cg;
  const sum = new Float64Array(groups);
  const mean = new Float64Array(groups);
  const rstd = new Float64Array(groups);
  const scale = new Float32Array(c); // γ·r per channel
  const shift = new Float32Array(c); // β − μ·γ·r
  for (let bi = 0; bi < b; bi++) {
    const base = bi * n * c;
    sum.fill(0);
    for (let i = 0; i < n; i++) {
      const row = base + i * c;
      for (let g = 0, k = row; g < groups; g++) {
        let s = 0;
        for (let j = 0; j < cg; j++, k++) s += xs[k];
        sum[g] += s;
      }
    }
    for (let g = 0; g < groups; g++) mean[g] = sum[g] / count;
    sum.fill(0);
    for (let i = 0; i < n; i++) {
      const row = base + i * c;
      for (let g = 0, k = row; g < groups; g++) {
        const m = mean[g];
        let s = 0;
        for (let j = 0; j < cg; j++, k++) {
          const d = xs[k] - m;
          s += d * d;
        }
        sum[g] += s;
      }
    }
    for (let g = 0; g < groups; g++) {
      rstd[g] = 1 / Math.sqrt(sum[g] / count + eps);
      st[(bi * groups + g) * 2] = mean[g];
      st[(bi * groups + g) * 2 + 1] = rstd[g];
      for (let j = 0; j < cg; j++) {
        const ch = g * cg + j;
        scale[ch] = ga[ch] * rstd[g];
        shift[ch] = be[ch] - mean[g] * ga[ch] * rstd[g];
      }
    }
    for (let i = 0; i < n; i++) {
      const row = base + i * c;
      if (silu) {
        for (let ch = 0; ch < c; ch++) {
          const z = xs[row + ch] * scale[ch] + shift[ch];
          ys[row + ch] = z * sigmoid(z);
        }
      } else {
        for (let ch = 0; ch < c; ch++) ys[row + ch] = xs[row + ch] * scale[ch] + shift[ch];
      }
    }
  }
  return [y, stats];
}

// x, dy: [B, N, C], stats: [B, G, 2], gamma/beta: [C] → dx: [B, N, C], dGamma: [C], dBeta: [C]
function gradKernel({
  inputs,
  attrs,
  backend,
}: {
  inputs: {
    x: tf.TensorInfo;
    dy: tf.TensorInfo;
    stats: tf.TensorInfo;
    gamma: tf.TensorInfo;
    beta: tf.TensorInfo;
  };
  attrs: GnAttrs;
  backend: WasmHeapBackend;
}): tf.TensorInfo[] {
  const { x, dy, stats, gamma, beta } = inputs;
  const { groups, silu } = attrs;
  const [b, n, c] = x.shape;
  const cg = c / groups;
  const dx = backend.makeOutput([b, n, c], 'float32');
  const dGamma = backend.makeOutput([c], 'float32');
  const dBeta = backend.makeOutput([c], 'float32');
  const simd = c % 4 === 0 && !silu ? SimdGemm.for(backend) : null;
  if (simd) {
    const [px, pdy, ps, pg, pdx] = [x, dy, stats, gamma, dx].map((t) => simd.ptr(t));
    const dG = new Float32Array(c);
    const dB = new Float32Array(c);
    simd.groupNormGrad({
      x: px,
      dy: pdy,
      stats: ps,
      gamma: pg,
      dx: pdx,
      dGamma: dG,
      dBeta: dB,
      b,
      n,
      c,
      groups,
    });
    backend.typedArrayFromHeap(dGamma).set(dG);
    backend.typedArrayFromHeap(dBeta).set(dB);
    return [dx, dGamma, dBeta];
  }
  const xs = backend.typedArrayFromHeap(x);
  const dys = backend.typedArrayFromHeap(dy);
  const st = backend.typedArrayFromHeap(stats);
  const ga = backend.typedArrayFromHeap(gamma);
  const be = backend.typedArrayFromHeap(beta);
  const dxs = backend.typedArrayFromHeap(dx);
  const count = n * cg;
  const dg = new Float64Array(c);
  const db = new Float64Array(c);
  const s1 = new Float64Array(c); // Σ_n dz per channel, this image
  const s2 = new Float64Array(c); // Σ_n dz·x̂
  const mean = new Float32Array(c);
  const rstd = new Float32Array(c);
  for (let bi = 0; bi < b; bi++) {
    const base = bi * n * c;
    for (let ch = 0; ch < c; ch++) {
      const g = Math.floor(ch / cg);
      mean[ch] = st[(bi * groups + g) * 2];
      rstd[ch] = st[(bi * groups + g) * 2 + 1];
    }
    s1.fill(0);
    s2.fill(0);
    // Pass 1: dz (kept in dx) and the per-channel sums.
    for (let i = 0; i < n; i++) {
      const row = base + i * c;
      for (let ch = 0; ch < c; ch++) {
        const k = row + ch;
        const xh = (xs[k] - mean[ch]) * rstd[ch];
        let dz = dys[k];
        if (silu) {
          const z = ga[ch] * xh + be[ch];
          const sg = sigmoid(z);
          dz *= sg * (1 + z * (1 - sg));
        }
        dxs[k] = dz;
        s1[ch] += dz;
        s2[ch] += dz * xh;
      }
    }
    // Per group: A = mean(γ·dz), B = mean(γ·dz·x̂); per channel: dx = r·(γ·dz − A − x̂·B).
    const coefA = new Float32Array(c);
    const coefB = new Float32Array(c);
    for (let g = 0; g < groups; g++) {
      let a = 0;
      let bb = 0;
      for (let j = 0; j < cg; j++) {
        const ch = g * cg + j;
        a += ga[ch] * s1[ch];
        bb += ga[ch] * s2[ch];
      }
      a /= count;
      bb /= count;
      for (let j = 0; j < cg; j++) {
        coefA[g * cg + j] = a;
        coefB[g * cg + j] = bb;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      db[ch] += s1[ch];
      dg[ch] += s2[ch];
    }
    for (let i = 0; i < n; i++) {
      const row = base + i * c;
      for (let ch = 0; ch < c; ch++) {
        const k = row + ch;
        const xh = (xs[k] - mean[ch]) * rstd[ch];
        dxs[k] = rstd[ch] * (ga[ch] * dxs[k] - coefA[ch] - xh * coefB[ch]);
      }
    }
  }
  backend.typedArrayFromHeap(dGamma).set(dg);
  backend.typedArrayFromHeap(dBeta).set(db);
  return [dx, dGamma, dBeta];
}

function ensureKernels(): void {
  if (!tf.getKernel(GROUP_NORM_WASM, 'wasm')) {
    tf.registerKernel({
      kernelName: GROUP_NORM_WASM,
      backendName: 'wasm',
      kernelFunc: forwardKernel as unknown as tf.KernelFunc,
    });
  }
  if (!tf.getKernel(GROUP_NORM_GRAD_WASM, 'wasm')) {
    tf.registerKernel({
      kernelName: GROUP_NORM_GRAD_WASM,
      backendName: 'wasm',
      kernelFunc: gradKernel as unknown as tf.KernelFunc,
    });
  }
}

/** Whether the fused wasm GroupNorm applies to this input now (wasm active and on, float32). */
export function canFuseGroupNormWasm(x: tf.Tensor, groups: number): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  if (x.rank < 2 || x.size === 0 || x.dtype !== 'float32') return false;
  return x.shape[x.rank - 1] % groups === 0;
}

/**
 * GroupNorm over channels-last x ([B, ..., C]) with affine γ, β ([C]; null for none), then SiLU
 * if `silu`: fused wasm kernels, differentiable in x, γ and β (tf.customGrad). Check
 * `canFuseGroupNormWasm` first.
 */
export function groupNormWasm(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  groups: number,
  eps: number,
  silu: boolean,
): tf.Tensor {
  ensureKernels();
  const shape = x.shape;
  const c = shape[shape.length - 1];
  // The kernels can apply SiLU themselves (attr silu), but that is slower; see below.
  const attrs = { groups, eps, silu: false } as unknown as tf.NamedAttrMap;
  return tf.tidy(() => {
    const x3 = tf.reshape(x, [shape[0], -1, c]);
    const g = gamma ?? tf.ones([c]);
    const be = beta ?? tf.zeros([c]);
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, gi, bi] = args as tf.Tensor[];
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const [y, stats] = tf
        .engine()
        .runKernel(GROUP_NORM_WASM, { x: xi, gamma: gi, beta: bi }, attrs) as tf.Tensor[];
      save([xi, stats, gi, bi]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, st, gs, bs] = saved;
          const inputs = { x: xs, dy: dy as tf.Tensor, stats: st, gamma: gs, beta: bs };
          const [dx, dGamma, dBeta] = tf
            .engine()
            .runKernel(GROUP_NORM_GRAD_WASM, inputs, attrs) as tf.Tensor[];
          return [dx, dGamma, dBeta];
        },
      };
    });
    const z = tf.reshape(f(x3, g, be), shape);
    // SiLU as wasm ops (XNNPACK's vectorised sigmoid): a scalar Math.exp per element in the
    // loops costs more than the two extra passes (bench/kernels.ts).
    return silu ? tf.mul(z, tf.sigmoid(z)) : z;
  });
}
