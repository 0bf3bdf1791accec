// Seeded noise that is the same on every backend: normals are drawn in JS (32-bit integer PRNG,
// Box–Muller in float64, rounded to float32) and uploaded, rather than using tf.randomNormal,
// whose stream differs between cpu, wasm, webgl and webgpu. Node and the browser therefore give
// the same image for the same seed (up to Math.log/cos ulps, which V8 and fdlibm-derived engines share).
import { tf } from '@sgdiff/nn';

/** The PRNG's full state; save it in a checkpoint's state.json to resume the same stream. */
export interface RngState {
  s: [number, number, number, number];
  /** A spare Box–Muller normal, or null. */
  spare: number | null;
}

/** sfc32: small, fast, passes PractRand to 2^41 bytes, needs only 32-bit integer ops. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** Any integer seed (taken mod 2^53); equal seeds give equal streams. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    // splitmix32 spreads the seed over all four words, so seeds 0, 1, 2 … are unrelated.
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    let x = (seed >>> 0) ^ Math.imul(hi, 0x9e3779b9);
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  getState(): RngState {
    return { s: [this.a, this.b, this.c, this.d], spare: this.spare };
  }

  setState(state: RngState): void {
    [this.a, this.b, this.c, this.d] = state.s.map((v) => v >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    this.spare = state.spare;
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in (0, 1), 53 random bits; never 0 so log() is safe. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** One standard normal (float64). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** n standard normals, rounded to float32. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }
}

/** A float32 tensor of standard normals from `rng`, in row-major order of `shape`. */
export function randn(rng: Rng, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.normals(size), shape, 'float32');
}
