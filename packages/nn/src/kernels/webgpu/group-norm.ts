// Fused GroupNorm (+ optional SiLU) for tfjs-backend-webgpu, forward and backward.
//
// x is channels-last, seen as [B, N, C] (N = product of the middle axes), G groups of
// cg = C/G channels. Per (b, g): mean and rstd = 1/sqrt(var + eps) over N·cg values (population
// variance, two passes: as tf.moments). z = (x − mean)·rstd·γ + β; y = z, or z·σ(z) with SiLU.
//
// Forward, 2 dispatches:  stats [B, G, 2] (one workgroup per (b, g)), then the elementwise apply.
// Backward, 4 dispatches: sums [B, C+G, 2] (per (b, c): Σₙ dz and Σₙ dz·x̂; per (b, g): the
//   γ-weighted group sums), dx = rstd·(γ·dz − Σγdz/M − x̂·Σγdz·x̂/M), dβ = Σ_b Σₙ dz, dγ = Σ_b Σₙ dz·x̂.
// The unfused tfjs composition (tf.moments …) takes ~12 ops forward and ~40 backward.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '../../tf/index.js';
import { ensureKernel, runProgram, useFusedWebGpu } from './fused.js';

const WG = 256; // threads per (b, g) workgroup in the reductions

/** Largest channels-per-group the reduction kernels take (one lane per channel). */
export const MAX_CHANNELS_PER_GROUP = WG;

const REDUCE = `
  var<workgroup> red : array<f32, ${WG}>;
  fn wgSum(v : f32) -> f32 {
    red[localIndex] = v;
    workgroupBarrier();
    for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
      if (localIndex < s) { red[localIndex] = red[localIndex] + red[localIndex + s]; }
      workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
  }
`;

const SIGMOID = `fn sgm(z : f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }`;

// Uniforms shared by all programs: groups, channels per group, N (rows per sample), batch.
const GN_UNIFORMS = 'groups : i32, cg : i32, rows : i32, batch : i32, eps : f32,';

interface GnDims {
  b: number;
  n: number;
  c: number;
  groups: number;
  eps: number;
}

function uniformsOf(d: GnDims): { type: 'int32' | 'float32'; data: number[] }[] {
  return [
    { type: 'int32', data: [d.groups] },
    { type: 'int32', data: [d.c / d.groups] },
    { type: 'int32', data: [d.n] },
    { type: 'int32', data: [d.b] },
    { type: 'float32', data: [d.eps] },
  ];
}

/** One workgroup of WG threads per (b, g) (or per output row): flat layout, `index / WG` is the row. */
function perGroupProgram(
  name: string,
  variableNames: string[],
  outputShape: number[],
  rowsOut: number,
  body: string,
): WebGPUProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: name,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [rowsOut, 1, 1],
    workgroupSize: [WG, 1, 1],
    uniforms: GN_UNIFORMS,
    getUserCode: () => body,
  };
}

function elementwiseProgram(
  name: string,
  variableNames: string[],
  outputShape: number[],
  body: string,
): WebGPUProgram {
  const size = tf.util.sizeFromShape(outputShape);
  return {
    variableNames,
    outputShape,
    shaderKey: name,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / 64), 1, 1],
    workgroupSize: [64, 1, 1],
    size: true,
    uniforms: GN_UNIFORMS,
    getUserCode: () => body,
  };
}

// --- forward -------------------------------------------------------------------------------------

function statsProgram(d: GnDims): WebGPUProgram {
  const rows = d.b * d.groups;
  return perGroupProgram(
    'sgdiff_gn_stats',
    ['x'],
    [d.b, d.groups, 2],
    rows,
    `
    ${REDUCE}
    fn main(index : i32) {
      let grp = index / ${WG};
      let ok = grp < uniforms.batch * uniforms.groups;
      let b = grp / uniforms.groups;
      let g = grp - b * uniforms.groups;
      let cg = uniforms.cg;
      let C = cg * uniforms.groups;
      let base = b * uniforms.rows * C + g * cg;
      let m = select(0, uniforms.rows * cg, ok);
      let t = i32(localIndex);
      var s = 0.0;
      for (var i = t; i < m; i = i + ${WG}) {
        let r = i / cg;
        s = s + x[base + r * C + (i - r * cg)];
      }
      let mean = wgSum(s) / f32(max(m, 1));
      var q = 0.0;
      for (var i = t; i < m; i = i + ${WG}) {
        let r = i / cg;
        let dv = x[base + r * C + (i - r * cg)] - mean;
        q = q + dv * dv;
      }
      let variance = wgSum(q) / f32(max(m, 1));
      if (t == 0 && ok) {
        result[grp * 2] = mean;
        result[grp * 2 + 1] = inverseSqrt(variance + uniforms.eps);
      }
    }
  `,
  );
}

// z at flat index i of x: [B, N, C]; leaves c, b, grp, xh, z in scope.
const Z_AT = `
  let cg = uniforms.cg;
  let C = cg * uniforms.groups;
  let b = index / (uniforms.rows * C);
  let c = index - (index / C) * C;
  let grp = b * uniforms.groups + c / cg;
  let xh = (x[index] - stats[grp * 2]) * stats[grp * 2 + 1];
  let z = xh * gamma[c] + beta[c];
`;

function applyProgram(d: GnDims, silu: boolean): WebGPUProgram {
  return elementwiseProgram(
    `sgdiff_gn_apply_${silu ? 'silu' : 'id'}`,
    ['x', 'stats', 'gamma', 'beta'],
    [d.b, d.n, d.c],
    `
    ${SIGMOID}
    fn main(index : i32) {
      if (index < uniforms.size) {
        ${Z_AT}
        setOutputAtIndex(index, ${silu ? 'z * sgm(z)' : 'z'});
      }
    }
  `,
  );
}

// --- backward ------------------------------------------------------------------------------------

// dz from dy at flat index `i`, given xh, ga = γ[c], be = β[c].
const dzAt = (silu: boolean, i: string) =>
  silu
    ? `let zz = xh * ga + be; let sg = sgm(zz); let dz = dy[${i}] * sg * (1.0 + zz * (1.0 - sg));`
    : `let dz = dy[${i}];`;

/** sums: [B, C + G, 2]: rows 0..C−1 per channel (Σₙ dz, Σₙ dz·x̂); rows C+g per group, γ-weighted. */
function sumsProgram(d: GnDims, silu: boolean): WebGPUProgram {
  const rows = d.b * d.groups;
  return perGroupProgram(
    `sgdiff_gn_sums_${silu ? 'silu' : 'id'}`,
    ['x', 'dy', 'stats', 'gamma', 'beta'],
    [d.b, d.c + d.groups, 2],
    rows,
    `
    ${SIGMOID}
    var<workgroup> s1 : array<f32, ${WG}>;
    var<workgroup> s2 : array<f32, ${WG}>;
    fn main(index : i32) {
      let grp = index / ${WG};
      let ok = grp < uniforms.batch * uniforms.groups;
      let b = grp / uniforms.groups;
      let g = grp - b * uniforms.groups;
      let cg = uniforms.cg;
      let C = cg * uniforms.groups;
      let t = i32(localIndex);
      let lanes = ${WG} / cg;
      let r0 = t / cg;
      let c = g * cg + (t - r0 * cg);
      let n = select(0, uniforms.rows, ok && r0 < lanes);
      var a1 = 0.0;
      var a2 = 0.0;
      if (n > 0) {
        let mean = stats[grp * 2];
        let rstd = stats[grp * 2 + 1];
        let ga = gamma[c];
        let be = beta[c];
        let base = b * uniforms.rows * C + c;
        for (var r = r0; r < n; r = r + lanes) {
          let i = base + r * C;
          let xh = (x[i] - mean) * rstd;
          ${dzAt(silu, 'i')}
          a1 = a1 + dz;
          a2 = a2 + dz * xh;
        }
      }
      s1[t] = a1;
      s2[t] = a2;
      workgroupBarrier();
      var c1 = 0.0;
      var c2 = 0.0;
      if (t < cg && ok) {
        for (var k = 0; k < lanes; k = k + 1) {
          c1 = c1 + s1[k * cg + t];
          c2 = c2 + s2[k * cg + t];
        }
        let o = (b * (C + uniforms.groups) + c) * 2;
        result[o] = c1;
        result[o + 1] = c2;
      }
      workgroupBarrier();
      if (t < cg) {
        let ga = select(0.0, gamma[g * cg + t], ok);
        s1[t] = ga * c1;
        s2[t] = ga * c2;
      }
      workgroupBarrier();
      if (t == 0 && ok) {
        var g1 = 0.0;
        var g2 = 0.0;
        for (var k = 0; k < cg; k = k + 1) {
          g1 = g1 + s1[k];
          g2 = g2 + s2[k];
        }
        let o = (b * (C + uniforms.groups) + C + g) * 2;
        result[o] = g1;
        result[o + 1] = g2;
      }
    }
  `,
  );
}

function dxProgram(d: GnDims, silu: boolean): WebGPUProgram {
  return elementwiseProgram(
    `sgdiff_gn_dx_${silu ? 'silu' : 'id'}`,
    ['x', 'dy', 'stats', 'gamma', 'beta', 'sums'],
    [d.b, d.n, d.c],
    `
    ${SIGMOID}
    fn main(index : i32) {
      if (index < uniforms.size) {
        ${Z_AT}
        let ga = gamma[c];
        let be = beta[c];
        ${dzAt(silu, 'index')}
        let o = (b * (C + uniforms.groups) + C + c / cg) * 2;
        let inv = 1.0 / f32(uniforms.rows * cg);
        let rstd = stats[grp * 2 + 1];
        setOutputAtIndex(index, rstd * (dz * ga - sums[o] * inv - xh * sums[o + 1] * inv));
      }
    }
  `,
  );
}

/** dβ (which = 0) or dγ (which = 1), [C]: Σ over the batch of the per-channel sums. */
function paramGradProgram(d: GnDims, which: 0 | 1): WebGPUProgram {
  return elementwiseProgram(
    `sgdiff_gn_dparam${which}`,
    ['sums'],
    [d.c],
    `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let C = uniforms.cg * uniforms.groups;
        var s = 0.0;
        for (var b = 0; b < uniforms.batch; b = b + 1) {
          s = s + sums[(b * (C + uniforms.groups) + index) * 2 + ${which}];
        }
        setOutputAtIndex(index, s);
      }
    }
  `,
  );
}

// --- kernels -------------------------------------------------------------------------------------

const K = {
  stats: 'SgdiffGroupNormStats',
  apply: 'SgdiffGroupNormApply',
  sums: 'SgdiffGroupNormGradSums',
  dx: 'SgdiffGroupNormGradInput',
  dparam: 'SgdiffGroupNormGradParam',
} as const;

interface GnAttrs {
  groups: number;
  eps: number;
  silu: boolean;
  which?: 0 | 1;
}

function dimsOf(x: tf.TensorInfo, attrs: GnAttrs): GnDims {
  const [b, n, c] = x.shape;
  return { b, n, c, groups: attrs.groups, eps: attrs.eps };
}

function registerGroupNormKernels(): void {
  const kernel =
    (
      make: (d: GnDims, a: GnAttrs) => WebGPUProgram,
      names: string[],
      dimsFrom = 0,
    ): tf.KernelFunc =>
    ({ inputs, backend, attrs }) => {
      const list = names.map((n) => (inputs as Record<string, tf.TensorInfo>)[n]);
      const a = attrs as unknown as GnAttrs;
      const d = dimsOf(list[dimsFrom], a);
      return runProgram(backend, make(d, a), list, uniformsOf(d));
    };
  ensureKernel(
    K.stats,
    kernel((d) => statsProgram(d), ['x']),
  );
  ensureKernel(
    K.apply,
    kernel((d, a) => applyProgram(d, a.silu), ['x', 'stats', 'gamma', 'beta']),
  );
  ensureKernel(
    K.sums,
    kernel((d, a) => sumsProgram(d, a.silu), ['x', 'dy', 'stats', 'gamma', 'beta']),
  );
  ensureKernel(
    K.dx,
    kernel((d, a) => dxProgram(d, a.silu), ['x', 'dy', 'stats', 'gamma', 'beta', 'sums']),
  );
  // dims from the sums tensor [B, C+G, 2]: recover C from the attrs' group count.
  ensureKernel(K.dparam, ({ inputs, backend, attrs }) => {
    const sums = (inputs as Record<string, tf.TensorInfo>).sums;
    const a = attrs as unknown as GnAttrs & { channels: number };
    const d: GnDims = { b: sums.shape[0], n: 1, c: a.channels, groups: a.groups, eps: a.eps };
    return runProgram(backend, paramGradProgram(d, a.which ?? 0), [sums], uniformsOf(d));
  });
}

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf
    .engine()
    .runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Whether the fused WebGPU GroupNorm applies to this input now (webgpu active, float32, sizes in range). */
export function canFuseGroupNorm(x: tf.Tensor, groups: number): boolean {
  if (x.rank < 2 || x.size === 0) return false;
  const c = x.shape[x.rank - 1];
  return c % groups === 0 && c / groups <= MAX_CHANNELS_PER_GROUP && useFusedWebGpu(x);
}

/**
 * GroupNorm over channels-last x ([B, ..., C]) with affine γ, β ([C]; null for none), then SiLU if
 * `silu`. Fused WebGPU kernels, differentiable in x, γ and β (tf.customGrad). Check
 * `canFuseGroupNorm` first.
 */
export function groupNormWebGpu(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  groups: number,
  eps: number,
  silu: boolean,
): tf.Tensor {
  registerGroupNormKernels();
  const shape = x.shape;
  const c = shape[shape.length - 1];
  const b = shape[0];
  const attrs: GnAttrs = { groups, eps, silu };
  return tf.tidy(() => {
    const x3 = tf.reshape(x, [b, -1, c]);
    const affine = gamma !== null && beta !== null;
    const g = affine ? gamma : tf.ones([c]);
    const be = affine ? beta : tf.zeros([c]);
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, gi, bi] = args as tf.Tensor[];
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const stats = run(K.stats, { x: xi }, attrs);
      const y = run(K.apply, { x: xi, stats, gamma: gi, beta: bi }, attrs);
      save([xi, stats, gi, bi]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, st, gs, bs] = saved;
          const d = dy as tf.Tensor;
          const sums = run(K.sums, { x: xs, dy: d, stats: st, gamma: gs, beta: bs }, attrs);
          const dx = run(K.dx, { x: xs, dy: d, stats: st, gamma: gs, beta: bs, sums }, attrs);
          const pAttrs = { ...attrs, channels: c };
          const dBeta = run(K.dparam, { sums }, { ...pAttrs, which: 0 });
          const dGamma = run(K.dparam, { sums }, { ...pAttrs, which: 1 });
          sums.dispose();
          return [dx, dGamma, dBeta];
        },
      };
    });
    const y = f(x3, g, be);
    return tf.reshape(y, shape);
  });
}
