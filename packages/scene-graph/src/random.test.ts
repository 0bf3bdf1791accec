import { deriveSeed, hashString, Rng } from './random.js';

// The streams the datasets and encoder packages drew from their own copies before they shared
// this one (values recorded from those copies): synthetic data, loader order, masks and
// perturbations depend on them, so they must not change.
describe('Rng (mulberry32)', () => {
  it('draws the recorded streams', () => {
    const r = new Rng(42);
    expect([r.next(), r.next(), r.next(), r.next()]).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693,
    ]);
    const r7 = new Rng(7);
    expect([r7.int(3, 9), r7.int(0, 100)]).toEqual([3, 6]);
    expect(new Rng(1).pick(['a', 'b', 'c', 'd'])).toBe('c');
    const r5 = new Rng(5);
    expect([r5.seed(), r5.seed()]).toEqual([1481280341, 1659453542]);
    expect(deriveSeed(1, 2, 3)).toBe(3051962899);
    expect(hashString('train')).toBe(2018864233);
  });

  it('resumes from its saved state', () => {
    const a = new Rng(123);
    a.next();
    const b = new Rng(0);
    b.state = a.state;
    expect(b.next()).toBe(a.next());
  });
});
