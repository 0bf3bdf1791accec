import { Rng } from '@sgdiff/scene-graph';

/** mulberry32 (the project's `Rng`) as a function: good enough to pick subsets reproducibly. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** `k` distinct indices from [0, n), uniformly, by a partial Fisher–Yates shuffle. */
export function sampleWithoutReplacement(n: number, k: number, random: () => number): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}
