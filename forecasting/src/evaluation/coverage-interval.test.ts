import { coverageBootstrapInterval } from './coverage-interval';

describe('coverageBootstrapInterval', () => {
  it('collapses to the one value when every series has the same coverage', () => {
    const series = Array.from({ length: 30 }, () => ({ inside: 8, total: 10 }));
    expect(coverageBootstrapInterval(series)).toEqual({ low: 0.8, high: 0.8 });
  });

  it('brackets the pooled coverage and narrows as the panel grows', () => {
    // Half the series covered 9 of 10 values, half 7 of 10: pooled 80 %.
    const panel = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ inside: i % 2 === 0 ? 9 : 7, total: 10 }));
    const small = coverageBootstrapInterval(panel(20));
    const large = coverageBootstrapInterval(panel(400));
    for (const ci of [small, large]) {
      expect(ci.low).toBeLessThan(0.8);
      expect(ci.high).toBeGreaterThan(0.8);
    }
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 3);
    // Each series' coverage has sd 0.1, so the mean of 400 has sd 0.005: the 95 % interval is about ±0.0098.
    expect(large.high - large.low).toBeGreaterThan(0.015);
    expect(large.high - large.low).toBeLessThan(0.025);
  });

  it('is reproducible for a seed and changes with it', () => {
    const series = Array.from({ length: 50 }, (_, i) => ({ inside: i % 5, total: 4 }));
    expect(coverageBootstrapInterval(series, 0.95, 500, 3)).toEqual(
      coverageBootstrapInterval(series, 0.95, 500, 3),
    );
    expect(coverageBootstrapInterval(series, 0.95, 500, 3)).not.toEqual(
      coverageBootstrapInterval(series, 0.95, 500, 4),
    );
  });

  it('weights series by their number of test values', () => {
    // One long series fully inside, nine short ones fully outside: pooled 100/109, not 1/10.
    const series = [
      { inside: 100, total: 100 },
      ...Array.from({ length: 9 }, () => ({ inside: 0, total: 1 })),
    ];
    const ci = coverageBootstrapInterval(series);
    expect(ci.high).toBeGreaterThan(0.9);
  });

  it('resamples test origins too where every series shares them: one bad period widens the interval', () => {
    // 20 series, 3 origins; every series covers 10/10 at two origins and 2/10 at the third (a shared break).
    // Pooled 22/30 = 73.3 % with no difference between series, so resampling series alone sees no uncertainty.
    const shared = Array.from({ length: 20 }, () => ({
      inside: 22,
      total: 30,
      byOrigin: [
        { inside: 10, total: 10 },
        { inside: 10, total: 10 },
        { inside: 2, total: 10 },
      ],
    }));
    const bySeries = coverageBootstrapInterval(shared.map(({ inside, total }) => ({ inside, total })));
    expect(bySeries.high - bySeries.low).toBeCloseTo(0, 12);
    const crossed = coverageBootstrapInterval(shared);
    // Drawing the break 0..3 times out of 3 gives 100, 73.3, 46.7 or 20 %; three times has probability 1/27, more
    // than the 2.5 % tail, so the interval reaches down to 20 %.
    expect(crossed.low).toBeCloseTo(0.2, 12);
    expect(crossed.high).toBe(1);
  });

  it('is the series bootstrap where a single origin is given', () => {
    const series = Array.from({ length: 40 }, (_, i) => ({ inside: i % 4, total: 3 }));
    const withOrigin = series.map((s) => ({ ...s, byOrigin: [{ inside: s.inside, total: s.total }] }));
    expect(coverageBootstrapInterval(withOrigin)).toEqual(coverageBootstrapInterval(series));
  });

  it('gives NaN for an empty panel', () => {
    expect(coverageBootstrapInterval([])).toEqual({ low: NaN, high: NaN });
  });
});
