import { seasonalNaive } from './seasonal-naive';

describe('seasonalNaive', () => {
  it('repeats the last season, wrapping for a horizon longer than a season', () => {
    const history = [9, 8, 7, 1, 2, 3, 4];
    const fit = seasonalNaive.fit(history, 5, 4);
    expect(fit.point).toEqual([1, 2, 3, 4, 1]);
    expect(fit.parameters).toEqual({ lag: 4 });
    expect(fit.kind).toBe('seasonal-naive');
  });

  it('uses exactly one season of history when that is all there is', () => {
    expect(seasonalNaive.fit([1, 2, 3], 3, 3).point).toEqual([1, 2, 3]);
  });

  it('is the naive forecast (the last value) when the history is shorter than a season', () => {
    const fit = seasonalNaive.fit([5, 6, 8], 4, 7);
    expect(fit.point).toEqual([8, 8, 8, 8]);
    expect(fit.parameters).toEqual({ lag: 1 });
  });
});
