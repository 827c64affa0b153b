import { syntheticSeries } from '../testing/synthetic-series';
import { dampedWithSeason, seasonalNaiveAt, thetaWithSeason } from './deseasonalised';

// An hourly-like series with a 12-step cycle inside a 36-step one, as a day sits inside a week.
const inner = [1.2, 1.1, 1, 0.9, 0.8, 0.9, 1, 1.1, 1.2, 1.1, 0.9, 0.8];
const outer = [1.3, 1, 0.7];
const series = Array.from(
  { length: 36 * 6 },
  (_, t) => 100 * inner[t % 12]! * outer[Math.floor(t / 12) % 3]!,
);

describe('forecasters under a long season', () => {
  it('remove and restore a long multiplicative season exactly: both cycles come back', () => {
    for (const method of [thetaWithSeason(36), dampedWithSeason(36)]) {
      const fit = method.fit(series.slice(0, 180), 36, 12);
      expect(fit.parameters).toMatchObject({ seasonPeriod: 36, seasonal: true, mode: 'multiplicative' });
      fit.point.forEach((v, h) => expect(v).toBeCloseTo(series[180 + h]!, 6));
    }
  });

  it('use an additive season for data with zeros, and no season with less than three cycles', () => {
    const withZeros = series.map((v) => v - 56);
    expect(withZeros).toContain(0);
    expect(thetaWithSeason(36).fit(withZeros, 12, 12).parameters.mode).toBe('additive');
    expect(dampedWithSeason(36).fit(series.slice(0, 100), 12, 12).parameters.seasonal).toBe(false);
  });

  it('seasonal naive at the long season repeats the last long cycle', () => {
    const history = syntheticSeries({ length: 80, noise: 1, seed: 3 });
    const fit = seasonalNaiveAt(36).fit(history, 40, 12);
    expect(fit.kind).toBe('seasonal-naive-s36');
    fit.point.forEach((v, h) => expect(v).toBe(history[44 + (h % 36)]));
  });
});
