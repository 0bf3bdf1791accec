/** Per-step randomness comes from (seed, step), so a resumed run draws the same numbers. */
export function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + step * 0x27d4eb2f) >>> 0;
}
