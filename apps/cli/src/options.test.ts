import { lateGuidance, nonNegativeNumber } from './options.js';

describe('option parsers', () => {
  it('reads g@t for late guidance and names the expected form otherwise', () => {
    expect(lateGuidance('6@500')).toEqual({ scale: 6, below: 500 });
    expect(lateGuidance(' 2.5 @ 300 ')).toEqual({ scale: 2.5, below: 300 });
    for (const bad of ['4', '4@', '@500', '4@0', '4@1.5', '-1@500', '1.2.3@500'])
      expect(() => lateGuidance(bad)).toThrow('expected SCALE@TIMESTEP, e.g. 4@500');
  });

  it('takes non-negative numbers only', () => {
    expect(nonNegativeNumber('0')).toBe(0);
    expect(nonNegativeNumber('1.5')).toBe(1.5);
    for (const bad of ['-1', '', ' ', 'abc', 'Infinity'])
      expect(() => nonNegativeNumber(bad)).toThrow('expected a non-negative number');
  });
});
