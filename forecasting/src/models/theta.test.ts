import { MONTHLY_FACTORS, WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { linearSlope, rephase, theta } from './theta';

describe('theta', () => {
  it('forecasts a pure linear trend as SES plus half its slope (the theta lines averaged), not as the line itself', () => {
    const line = (t: number): number => 10 + 2 * t;
    const history = Array.from({ length: 40 }, (_, t) => line(t));
    const fit = theta.fit(history, 10, 7);
    const p = fit.parameters as { alpha: number; drift: number; seasonal: boolean };
    expect(p.seasonal).toBe(false);
    expect(p.alpha).toBeGreaterThan(0.99);
    expect(p.drift).toBeCloseTo(1, 10);
    // SES with alpha near 1 sits on the last value (88); the drift adds 1 per step: 89, 90, ...
    fit.point.forEach((v, h) => {
      expect(v).toBeCloseTo(88 + (h + 1), 2);
      expect(v).toBeGreaterThan(88);
      expect(v).toBeLessThan(line(40 + h));
    });
  });

  it('detects a multiplicative season, removes it and restores it in phase', () => {
    // 65 values: the indices come from the last 4 seasons, a window starting at t = 17, not on a season boundary.
    const series = syntheticSeries({ length: 77, level: 100, multiplicative: MONTHLY_FACTORS });
    const fit = theta.fit(series.slice(0, 65), 12, 12);
    const p = fit.parameters as { seasonal: boolean; mode: string; indices: number[] };
    expect(p.seasonal).toBe(true);
    expect(p.mode).toBe('multiplicative');
    p.indices.forEach((index, i) => expect(index).toBeCloseTo(MONTHLY_FACTORS[i]!, 8));
    fit.point.forEach((v, h) => expect(v).toBeCloseTo(series[65 + h]!, 6));
  });

  it('uses an additive season when the history is not all positive', () => {
    const series = syntheticSeries({ length: 51, level: 0, additive: WEEKLY_OFFSETS });
    const fit = theta.fit(series.slice(0, 44), 7, 7);
    const p = fit.parameters as { seasonal: boolean; mode: string };
    expect(p).toMatchObject({ seasonal: true, mode: 'additive' });
    fit.point.forEach((v, h) => expect(v).toBeCloseTo(series[44 + h]!, 6));
  });
});

describe('rephase', () => {
  it('re-indexes indices estimated on a window starting at `offset` to positions of the whole history', () => {
    const season = ['a', 'b', 'c', 'd'].map((_, i) => i + 1); // index i belongs to t % 4 === i
    for (const offset of [0, 1, 2, 3, 5, 8, 11]) {
      // The window's position j is the history's position offset + j.
      const windowIndices = season.map((_, j) => season[(offset + j) % 4]!);
      expect(rephase(windowIndices, offset)).toEqual(season);
    }
    expect(rephase([10, 20, 30, 40], 1)).toEqual([40, 10, 20, 30]);
  });
});

describe('linearSlope', () => {
  it('is the least-squares slope, 0 for a single value', () => {
    expect(linearSlope([1, 3, 5, 7])).toBeCloseTo(2, 12);
    expect(linearSlope([1, 2, 1, 2])).toBeCloseTo(0.2, 12);
    expect(linearSlope([4])).toBe(0);
  });
});
