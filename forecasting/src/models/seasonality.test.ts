import { MONTHLY_FACTORS, syntheticSeries } from '../testing/synthetic-series';
import { applySeason, autocorrelation, isSeasonal, seasonalIndices } from './seasonality';

describe('isSeasonal', () => {
  it('is false on white noise (fixed seed)', () => {
    const noise = syntheticSeries({ length: 120, level: 0, noise: 1, seed: 42 });
    expect(isSeasonal(noise, 12)).toBe(false);
    expect(isSeasonal(noise, 7)).toBe(false);
  });

  it('is true on a strong season under noise', () => {
    const series = syntheticSeries({ length: 60, multiplicative: MONTHLY_FACTORS, noise: 2, seed: 3 });
    expect(isSeasonal(series, 12)).toBe(true);
  });

  it('is false with less than three seasons of data, or without a season to test', () => {
    const series = syntheticSeries({ length: 35, multiplicative: MONTHLY_FACTORS });
    expect(isSeasonal(series, 12)).toBe(false);
    expect(isSeasonal(series, 1)).toBe(false);
  });
});

describe('seasonalIndices and applySeason', () => {
  it('recover exact multiplicative factors, and removing then restoring them gives the series back', () => {
    const series = syntheticSeries({ length: 48, multiplicative: MONTHLY_FACTORS });
    const indices = seasonalIndices(series, 12, 'multiplicative');
    indices.forEach((v, i) => expect(v).toBeCloseTo(MONTHLY_FACTORS[i]!, 10));
    const adjusted = applySeason(series, indices, 'multiplicative', 0, -1);
    adjusted.forEach((v) => expect(v).toBeCloseTo(100, 8));
    applySeason(adjusted, indices, 'multiplicative', 0, 1).forEach((v, t) =>
      expect(v).toBeCloseTo(series[t]!, 8),
    );
  });

  it('normalise additive indices to sum 0 and honour the offset', () => {
    const indices = seasonalIndices(
      syntheticSeries({ length: 28, level: 5, additive: [1, 2, 3, -6] }),
      4,
      'additive',
    );
    expect(indices.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
    expect(applySeason([0, 0], indices, 'additive', 2, 1)).toEqual([indices[2], indices[3]]);
  });
});

describe('autocorrelation', () => {
  it('is 1-ish at the period of a pure season and 0 for a constant', () => {
    const r = autocorrelation(syntheticSeries({ length: 40, additive: [1, -1, 2, -2] }), 4);
    expect(r[3]).toBeGreaterThan(0.85);
    expect(autocorrelation([3, 3, 3, 3], 2)).toEqual([0, 0]);
  });
});
