import { deriveSeed, withInitSeed } from '../init/initializers.js';
import { useBackend } from '../testing/backends.js';
import { MultiHeadAttention } from './attention.js';
import { Conv2d } from './conv2d.js';
import { Embedding } from './embedding.js';
import { Module } from './module.js';
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

describe('withInitSeed', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  /** A module of every initialiser kind, none given a seed. */
  class Net extends Module {
    conv = new Conv2d(3, 4);
    mlp = new MLP(6, { hidden: 10 });
    emb = new Embedding(5, 4);
  }
  const built = async (make: () => Module[]) => {
    const ms = make();
    const vs = await Promise.all(ms.map(values));
    ms.forEach((m) => m.dispose());
    return vs;
  };

  it('gives every unseeded initialiser the next seed of one stream: same seed, same weights', async () => {
    const [a] = await built(() => [withInitSeed(5, () => new Net())]);
    const [b] = await built(() => [withInitSeed(5, () => new Net())]);
    const [c] = await built(() => [withInitSeed(6, () => new Net())]);
    const [d, e] = await built(() => [new Net(), new Net()]);
    expect(b).toEqual(a);
    for (const k of ['conv.weight', 'conv.bias', 'mlp.fc1.weight', 'emb.weight']) {
      expect(a.has(k)).toBe(true);
      expect(c.get(k)).not.toEqual(a.get(k));
      expect(e.get(k)).not.toEqual(d.get(k)); // outside a scope: tfjs's own randomness
    }
  });

  it('nests without disturbing the outer stream, and an explicit seed still wins', async () => {
    const [x1, x3] = await built(() => withInitSeed(5, () => [new Net(), new Net()]));
    const [y1, , y3] = await built(() =>
      withInitSeed(5, () => [new Net(), withInitSeed(9, () => new Net()), new Net()]),
    );
    expect(y1).toEqual(x1);
    expect(y3).toEqual(x3);
    const [inScope] = await built(() => [
      withInitSeed(5, () => new MLP(6, { hidden: 10, seed: 3 })),
    ]);
    const [outside] = await built(() => [new MLP(6, { hidden: 10, seed: 3 })]);
    expect(inScope).toEqual(outside);
  });
});
