import { mae, mase, mean, seasonalNaiveScale, smape } from './metrics';

describe('seasonalNaiveScale', () => {
  it('is the in-sample MAE of the forecast one season back', () => {
    // Lag 2: |2-1|, |5-3|, |4-2| = 1, 2, 2.
    expect(seasonalNaiveScale([1, 3, 2, 5, 4], 2)).toBeCloseTo(5 / 3, 12);
  });

  it('falls back to lag 1 when the history is not longer than a season', () => {
    // Lag 1: |4-1|, |2-4| = 3, 2.
    expect(seasonalNaiveScale([1, 4, 2], 7)).toBeCloseTo(2.5, 12);
    expect(seasonalNaiveScale([1, 4, 2, 6, 3, 5, 0], 7)).toBeCloseTo((3 + 2 + 4 + 3 + 2 + 5) / 6, 12);
  });

  it('is NaN for a single value (there is no one-step change to measure)', () => {
    expect(seasonalNaiveScale([5], 7)).toBeNaN();
  });
});

describe('mase', () => {
  it('matches a hand-computed example', () => {
    // Forecast errors 1 and 2: MAE 1.5; scale 5/3 (above): MASE 0.9.
    expect(mase([6, 5], [5, 7], [1, 3, 2, 5, 4], 2)).toBeCloseTo(0.9, 12);
  });

  it('is NaN when the history has no seasonal naive error to scale by', () => {
    expect(mase([3], [4], [3, 3, 3, 3], 2)).toBeNaN();
  });
});

describe('smape', () => {
  it('counts a step where actual and forecast are both 0 as a perfect 0, not 0/0', () => {
    expect(smape([0, 0], [0, 0])).toBe(0);
    expect(smape([0, 10], [0, 10])).toBe(0);
  });

  it('gives 200 for a forecast of something where nothing happened, and averages the steps', () => {
    expect(smape([0], [5])).toBe(200);
    // 200·|100-50|/150 = 66.67 and 0.
    expect(smape([100, 0], [50, 0])).toBeCloseTo(200 / 6, 10);
  });
});

describe('mae and mean', () => {
  it('average absolute errors and values', () => {
    expect(mae([1, 2, 3], [2, 2, 1])).toBeCloseTo(1, 12);
    expect(mean([1, 2, 6])).toBe(3);
  });
});
