import { percentile, summariseLatencies } from './percentiles';

describe('percentile (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('returns the value at rank ceil(p × n / 100)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([10, 20, 30], 99)).toBe(30);
  });

  it('is not pushed one rank up by floating-point products', () => {
    // In binary floating point 0.55 × 100 is 55.00000000000001 and 1.1 × 3000 / 100 is 33.00000000000001.
    expect(percentile(hundred, 55)).toBe(55);
    const thousands = Float64Array.from({ length: 3000 }, (_, i) => i + 1);
    expect(percentile(thousands, 1.1)).toBe(33);
    expect(percentile(thousands, 99.9)).toBe(2997);
  });

  it('never interpolates: the answer is one of the values', () => {
    expect(percentile([1, 100], 50)).toBe(1);
    expect(percentile([1, 100], 50.1)).toBe(100);
    expect(percentile([7], 1)).toBe(7);
  });

  it('refuses an empty set and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summariseLatencies', () => {
  it('sorts numerically, without touching its input', () => {
    const values = [9, 10, 1, 100, 2];
    expect(summariseLatencies(values)).toEqual({ count: 5, p50: 9, p95: 100, p99: 100, max: 100 });
    expect(values).toEqual([9, 10, 1, 100, 2]);
  });

  it('gives the tail of a skewed distribution, not its average', () => {
    // 980 fast readings at 1 ms, 15 at 50 ms, 5 at 400 ms.
    const values = [
      ...Array<number>(980).fill(1),
      ...Array<number>(15).fill(50),
      ...Array<number>(5).fill(400),
    ];
    expect(summariseLatencies(values)).toEqual({ count: 1000, p50: 1, p95: 1, p99: 50, max: 400 });
  });

  it('is undefined for no values', () => {
    expect(summariseLatencies([])).toBeUndefined();
  });
});
