import { deriveSeed } from '../init/initializers.js';
import { useBackend } from '../testing/backends.js';
import { MultiHeadAttention } from './attention.js';
import type { Module } from './module.js';
import { MLP } from './mlp.js';

async function values(m: Module): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, v] of m.parameters()) out.set(name, Array.from(await v.data()));
  return out;
}

describe('seeded MLP and MultiHeadAttention', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('deriveSeed: distinct per index and per seed, undefined stays undefined', () => {
    const seeds = new Set<number | undefined>();
    for (const s of [0, 1, 2, 42]) for (let i = 0; i < 4; i++) seeds.add(deriveSeed(s, i));
    expect(seeds.size).toBe(16);
    expect(deriveSeed(undefined, 0)).toBeUndefined();
    expect(deriveSeed(7, 3)).toBe(deriveSeed(7, 3));
  });

  it.each([
    ['MLP', (seed?: number) => new MLP(6, { hidden: 10, seed })],
    [
      'MultiHeadAttention',
      (seed?: number) => new MultiHeadAttention(8, { heads: 2, contextDim: 5, seed }),
    ],
  ] as const)(
    '%s: the same seed gives the same init, another seed and no seed differ',
    async (_, make) => {
      const [a, b, c, d] = [make(3), make(3), make(4), make()];
      const [va, vb, vc, vd] = await Promise.all([a, b, c, d].map(values));
      expect(vb).toEqual(va);
      const weights = [...va.keys()].filter((k) => k.endsWith('weight'));
      expect(weights.length).toBeGreaterThanOrEqual(2);
      for (const k of weights) {
        expect(vc.get(k)).not.toEqual(va.get(k));
        expect(vd.get(k)).not.toEqual(va.get(k));
      }
      // Layers within one module are not seeded alike (same-shaped q/k/v would otherwise be equal).
      const firstValues = weights.map((k) => (va.get(k) as number[])[0]);
      expect(new Set(firstValues).size).toBe(weights.length);
      for (const m of [a, b, c, d]) m.dispose();
    },
  );
});
