import { MONTHLY_FACTORS, syntheticSeries } from '../testing/synthetic-series';
import { AIR_PASSENGERS_1949_1954 as AIR } from '../testing/air-passengers';
import { applySeason, autocorrelation, classicalSeasonal, isSeasonal, seasonalIndices } from './seasonality';

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

  it("is false for a season longer than R's acf computes (10 log10 n lags), as in M4's code", () => {
    const yearly = syntheticSeries({
      length: 200,
      additive: Array.from({ length: 52 }, (_, i) => 10 * Math.sin(i)),
    });
    expect(isSeasonal(yearly, 52)).toBe(false);
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

describe('classicalSeasonal', () => {
  it("is R's decompose(type = 'multiplicative')$seasonal: the indices repeated (R 4.2 on airline passengers)", () => {
    const seasonal = classicalSeasonal(AIR, 12, 'multiplicative');
    expect(seasonal).toHaveLength(72);
    expect(seasonal[0]).toBeCloseTo(0.909559450641325, 13);
    expect(seasonal[18]).toBeCloseTo(1.176875732533283, 13);
    expect(seasonal[71]).toBeCloseTo(0.909653362567874, 13);
  });
});

describe('autocorrelation', () => {
  it('is 1-ish at the period of a pure season and 0 for a constant', () => {
    const r = autocorrelation(syntheticSeries({ length: 40, additive: [1, -1, 2, -2] }), 4);
    expect(r[3]).toBeGreaterThan(0.85);
    expect(autocorrelation([3, 3, 3, 3], 2)).toEqual([0, 0]);
  });
});
