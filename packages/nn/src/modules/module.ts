import * as tf from '../tf/index.js';

/** Variables excluded from weight decay (norm gains, biases: anything rank < 2 by default). */
const NO_DECAY = new WeakSet<tf.Variable>();

export interface ParamOptions {
  /** Apply weight decay to this parameter. Default: rank ≥ 2 (weights yes, biases/norms no). */
  decay?: boolean;
}

/** Whether AdamW should decay this variable. */
export function decays(v: tf.Variable): boolean {
  return !NO_DECAY.has(v);
}

/**
 * A tree of parameters over tf.Variable. Submodules, variables and arrays of submodules stored as
 * fields are found by walking the fields in assignment order, so names are stable and dotted:
 * `blocks.0.norm.weight`. Subclasses add a `forward(...)` with whatever signature they need.
 */
export abstract class Module {
  /** Training mode: dropout is active. Set through train()/eval(). */
  training = true;

  /** Creates a trainable variable from `init` (which is disposed). */
  protected param(init: () => tf.Tensor, options: ParamOptions = {}): tf.Variable {
    const v = tf.tidy(() => tf.variable(init(), true));
    if (!(options.decay ?? v.rank >= 2)) NO_DECAY.add(v);
    return v;
  }

  /** Direct children, in field order. Arrays of modules become `name.0`, `name.1`, ... */
  children(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((m, i) => {
          if (m instanceof Module) out.push([`${key}.${i}`, m]);
        });
      }
    }
    return out;
  }

  /** Variables held directly by this module, in field order. */
  ownParameters(): Array<[string, tf.Variable]> {
    return Object.entries(this).filter(
      (e): e is [string, tf.Variable] => e[1] instanceof tf.Variable,
    );
  }

  /** Every parameter under a dotted name. A variable shared by two modules is listed once. */
  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const seen = new Set<tf.Variable>();
    const walk = (m: Module, prefix: string) => {
      for (const [name, v] of m.ownParameters()) {
        if (seen.has(v)) continue;
        seen.add(v);
        out.set(prefix + name, v);
      }
      for (const [name, child] of m.children()) walk(child, `${prefix}${name}.`);
    };
    walk(this, '');
    return out;
  }

  /** This module and every submodule under dotted names ('' is this one). */
  modules(): Map<string, Module> {
    const out = new Map<string, Module>();
    const walk = (m: Module, name: string) => {
      out.set(name, m);
      for (const [n, child] of m.children()) walk(child, name ? `${name}.${n}` : n);
    };
    walk(this, '');
    return out;
  }

  numParameters(): number {
    let n = 0;
    for (const v of this.parameters().values()) n += v.size;
    return n;
  }

  train(mode = true): this {
    for (const m of this.modules().values()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Copies `weights` into the parameters. Every parameter must be present with its exact shape
   * and dtype; unknown names are an error too, so a mismatched checkpoint never half-loads.
   */
  loadWeights(weights: ReadonlyMap<string, tf.Tensor>): void {
    const params = this.parameters();
    const problems: string[] = [];
    for (const [name, v] of params) {
      const w = weights.get(name);
      if (!w) problems.push(`missing weight "${name}"`);
      else if (!tf.util.arraysEqual(w.shape, v.shape))
        problems.push(`"${name}" has shape [${w.shape}], expected [${v.shape}]`);
      else if (w.dtype !== v.dtype)
        problems.push(`"${name}" has dtype ${w.dtype}, expected ${v.dtype}`);
    }
    for (const name of weights.keys())
      if (!params.has(name)) problems.push(`unexpected weight "${name}"`);
    if (problems.length) throw new Error(`loadWeights: ${problems.join('; ')}`);
    for (const [name, v] of params) v.assign(weights.get(name) as tf.Tensor);
  }

  dispose(): void {
    for (const v of this.parameters().values()) v.dispose();
  }
}
