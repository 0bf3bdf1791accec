import * as tf from '../tf/index.js';
import { decays } from '../modules/module.js';
import { adamwUpdateWebGpu, canFuseAdamW } from '../kernels/webgpu/adamw.js';
import { adamwUpdateWasm, canFuseAdamWWasm } from '../kernels/wasm/adamw.js';

export interface AdamWConfig {
  /** A fixed rate, or a schedule of the 0-based step (see warmupCosine). */
  lr: number | ((step: number) => number);
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter), applied as p ← p·(1 − lr·wd). */
  weightDecay?: number;
  /** Which parameters decay. Default: those marked by their module (rank ≥ 2: no norms, no biases). */
  decayFilter?: (name: string, v: tf.Variable) => boolean;
  /** Per-parameter multiplier of the learning rate (PyTorch's parameter groups); default 1. */
  lrScale?: (name: string) => number;
}

/** The part of the config that is plain data (saved with the optimiser state). */
export interface AdamWState {
  step: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** AdamW over named variables, with moments kept as variables so memory stays flat. */
export class AdamW {
  /** Number of updates applied so far. */
  step = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly decayed = new Set<string>();
  private readonly scale = new Map<string, number>();

  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig,
  ) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.eps = config.eps ?? 1e-8;
    this.weightDecay = config.weightDecay ?? 0.01;
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
      if (config.decayFilter ? config.decayFilter(name, p) : decays(p)) this.decayed.add(name);
      const k = config.lrScale?.(name) ?? 1;
      if (!(k >= 0 && Number.isFinite(k)))
        throw new Error(`AdamW: learning-rate scale ${k} for "${name}" is not a finite number ≥ 0`);
      if (k !== 1) this.scale.set(name, k);
    }
  }

  /** The learning rate the next update will use. */
  currentLr(): number {
    const lr = this.config.lr;
    return typeof lr === 'function' ? lr(this.step) : lr;
  }

  /** Whether `name` receives weight decay. */
  decays(name: string): boolean {
    return this.decayed.has(name);
  }

  /**
   * Applies one update. Parameters without a gradient are left alone (their moments too).
   * `gradScale` multiplies every gradient first (global-norm clipping without a scaled copy).
   */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, gradScale = 1): void {
    if (!Number.isFinite(gradScale) || gradScale < 0)
      throw new Error(`AdamW: gradient scale ${gradScale} is not a finite number ≥ 0`);
    const baseLr = this.currentLr();
    const t = this.step + 1;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      const m = this.m.get(name) as tf.Variable;
      const v = this.v.get(name) as tf.Variable;
      const lr = baseLr * (this.scale.get(name) ?? 1);
      const decay = this.decayed.has(name) && this.weightDecay > 0 ? 1 - lr * this.weightDecay : 1;
      const fused = { wasm: canFuseAdamWWasm(g, p, m, v), webgpu: canFuseAdamW(g, p, m, v) };
      if (fused.wasm || fused.webgpu) {
        // One JS pass over the heap (wasm) or one dispatch (webgpu) per variable, same arithmetic
        // (src/kernels/{wasm,webgpu}/adamw.ts).
        tf.tidy(() => {
          const s = {
            beta1: this.beta1,
            beta2: this.beta2,
            eps: this.eps,
            sqrtBc2: Math.sqrt(bc2),
            decay,
            stepSize: lr / bc1,
          };
          const [p1, m1, v1] = fused.wasm
            ? adamwUpdateWasm(g, p, m, v, { ...s, gradScale })
            : adamwUpdateWebGpu(gradScale === 1 ? g : tf.mul(g, gradScale), p, m, v, s);
          p.assign(p1);
          m.assign(m1);
          v.assign(v1);
        });
        continue;
      }
      tf.tidy(() => {
        const gs = gradScale === 1 ? g : tf.mul(g, gradScale);
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(gs, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gs), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(bc2)), this.eps);
        const decayed = decay !== 1 ? tf.mul(p, decay) : p;
        p.assign(tf.sub(decayed, tf.mul(tf.div(m1, denom), lr / bc1)));
        m.assign(m1);
        v.assign(v1);
      });
    }
    this.step = t;
  }

  /** Moments as `m.<param>` / `v.<param>`, for saving alongside `state()`. */
  stateTensors(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const name of this.params.keys()) {
      out.set(`m.${name}`, this.m.get(name) as tf.Variable);
      out.set(`v.${name}`, this.v.get(name) as tf.Variable);
    }
    return out;
  }

  state(): AdamWState {
    return {
      step: this.step,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
    };
  }

  /** Restores moments and step so that training continues exactly. */
  loadState(state: AdamWState, tensors: ReadonlyMap<string, tf.Tensor>): void {
    const own = this.stateTensors();
    for (const [name, variable] of own) {
      const t = tensors.get(name);
      if (!t) throw new Error(`AdamW.loadState: missing "${name}"`);
      if (!tf.util.arraysEqual(t.shape, variable.shape)) {
        throw new Error(
          `AdamW.loadState: "${name}" has shape [${t.shape}], expected [${variable.shape}]`,
        );
      }
    }
    for (const [name, variable] of own) variable.assign(tensors.get(name) as tf.Tensor);
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
