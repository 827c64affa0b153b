import type { Forecaster } from '../models/forecaster';
import { ets } from '../models/ets';
import { holtWinters } from '../models/holt-winters';
import { comb, naive2 } from '../models/m4-benchmarks';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import type { TimeSeries } from '../series/time-series';
import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { backtestSeries, PROVENA, summarisePanel, type SeriesBacktest } from './backtest';

const daily = (id: string, values: number[]): TimeSeries => ({
  id,
  step: 'day',
  start: '2024-01-01',
  values,
});

describe('backtestSeries', () => {
  afterEach(() => jest.restoreAllMocks());

  it('scores seasonal naive, Naive 2, Theta, ETS, Comb and Provena at every test origin, with coverage', () => {
    const values = syntheticSeries({
      length: 84,
      level: 50,
      slope: 0.1,
      additive: WEEKLY_OFFSETS,
      noise: 2,
      seed: 5,
    });
    const result = backtestSeries(daily('orders', values), {
      horizon: 7,
      testOrigins: 2,
      originSpacing: 7,
      selection: { neural: false },
    });
    expect(result).toMatchObject({ seriesId: 'orders', length: 84, origins: 2, implausible: 0 });
    expect(Object.keys(result.scores).sort()).toEqual([
      'comb',
      'ets',
      'naive2',
      PROVENA,
      'seasonal-naive',
      'theta',
    ]);
    expect(result.coverage).toMatchObject({ total: 14, level: 0.8 });
    expect(result.coverage.inside).toBeGreaterThan(0);
    // Origins 14 and 7 steps before the end, each with its 7 test values; together the series' coverage.
    expect(
      Object.keys(result.coverage.byOrigin)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([7, 14]);
    const perOrigin = Object.values(result.coverage.byOrigin);
    expect(perOrigin.map((c) => c.total)).toEqual([7, 7]);
    expect(perOrigin.reduce((a, c) => a + c.inside, 0)).toBe(result.coverage.inside);
    for (const score of Object.values(result.scores)) {
      expect(Number.isFinite(score.mase)).toBe(true);
      expect(score.smape).toBeGreaterThan(0);
      expect(score.smape).toBeLessThan(200);
    }
    expect(result.chosen).toHaveLength(2);
    expect(result.cpuSecondsPerForecast).toBeGreaterThan(0);
  });

  it('never shows a method the values it is scored on', () => {
    // The last week is wild: any method that saw it could forecast it exactly and score 0.
    const calm = syntheticSeries({ length: 63, level: 50, additive: WEEKLY_OFFSETS, noise: 1, seed: 6 });
    const values = [...calm, 900, 3, 750, 0, 1200, 40, 600];
    const lengths: number[] = [];
    const spy = (f: Forecaster): void => {
      const original = f.fit.bind(f);
      jest.spyOn(f, 'fit').mockImplementation((history, horizon, period) => {
        lengths.push(history.length);
        return original(history, horizon, period);
      });
    };
    [seasonalNaive, naive2, theta, ets, comb, holtWinters].forEach(spy);
    const result = backtestSeries(daily('wild', values), {
      horizon: 7,
      testOrigins: 1,
      originSpacing: 7,
      selection: { neural: false },
    });
    expect(result.origins).toBe(1);
    expect(lengths.length).toBeGreaterThan(3);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(63);
    for (const [method, score] of Object.entries(result.scores)) {
      expect([method, score.mase > 10]).toEqual([method, true]);
      expect([method, score.smape > 20]).toEqual([method, true]);
    }
  });

  it('skips test origins that leave less than two seasons of training', () => {
    const values = syntheticSeries({ length: 35, level: 50, additive: WEEKLY_OFFSETS });
    // Origins at 28, 21, 14, 7: only 28 and 21 leave 2·7 + 7 values to train on.
    const result = backtestSeries(daily('short', values), {
      horizon: 7,
      testOrigins: 4,
      originSpacing: 7,
      selection: { neural: false },
    });
    expect(result.origins).toBe(2);
    expect(result.chosen).toHaveLength(2);
  });
});

describe('summarisePanel', () => {
  const result = (
    seriesId: string,
    mase: [number, number, number],
    cpuSeconds: number,
    chosen: string[],
    coverage: [number, number],
    fallbacks = 0,
    byOrigin: Record<number, { inside: number; total: number }> = {
      7: { inside: coverage[0], total: coverage[1] },
    },
  ): SeriesBacktest => ({
    seriesId,
    length: 100,
    origins: chosen.length,
    scores: {
      'seasonal-naive': { mase: mase[0], smape: 10 },
      theta: { mase: mase[1], smape: 30 },
      [PROVENA]: { mase: mase[2], smape: 40 },
    },
    coverage: { inside: coverage[0], total: coverage[1], level: 0.8, byOrigin },
    implausible: 0,
    chosen,
    fallbacks,
    cpuSecondsPerForecast: cpuSeconds,
  });

  it('averages each method, pools coverage, finds the worst series against seasonal naive, CPU and choices', () => {
    const summary = summarisePanel('panel', [
      result('a', [1, 0.9, 0.7], 0.2, ['comb(theta+ets+damped)', 'median(theta+ets)'], [10, 14]),
      result('b', [2, 1.0, 3], 0.5, ['comb(theta+ets+damped)'], [5, 7], 1),
      result('c', [0.5, 0.7, 0.6], 0.1, ['seasonal-naive'], [6, 7]),
    ]);
    expect(summary.panel).toBe('panel');
    expect(summary.series).toBe(3);
    expect(summary.mase['seasonal-naive']).toBeCloseTo(3.5 / 3, 12);
    expect(summary.mase[PROVENA]).toBeCloseTo(4.3 / 3, 12);
    expect(summary.smape.theta).toBeCloseTo(30, 12);
    expect(summary.coverage).toMatchObject({
      measured: 21 / 28,
      nominal: 0.8,
      byOrigin: [{ stepsBeforeEnd: 7, measured: 21 / 28 }],
    });
    expect(summary.coverage.bootstrap95.low).toBeLessThan(21 / 28);
    expect(summary.coverage.bootstrap95.high).toBeGreaterThan(21 / 28);
    // Ratios Provena / seasonal naive: 0.7, 1.5, 1.2.
    expect(summary.worstRatioToSeasonalNaive.seriesId).toBe('b');
    expect(summary.worstRatioToSeasonalNaive.ratio).toBeCloseTo(1.5, 12);
    expect(summary.maxCpuSecondsPerForecast).toBe(0.5);
    expect(summary.meanCpuSecondsPerForecast).toBeCloseTo(0.8 / 3, 12);
    expect(summary.chosen).toEqual({
      'comb(theta+ets+damped)': 2,
      'median(theta+ets)': 1,
      'seasonal-naive': 1,
    });
    expect(summary.fallbacks).toBe(1);
  });

  it('pools coverage per test origin across series, oldest origin first', () => {
    const summary = summarisePanel('panel', [
      result('a', [1, 1, 1], 0.1, ['theta', 'theta'], [9, 14], 0, {
        14: { inside: 2, total: 7 },
        7: { inside: 7, total: 7 },
      }),
      result('b', [1, 1, 1], 0.1, ['theta', 'theta'], [10, 14], 0, {
        14: { inside: 3, total: 7 },
        7: { inside: 7, total: 7 },
      }),
    ]);
    expect(summary.coverage.measured).toBeCloseTo(19 / 28, 12);
    expect(summary.coverage.byOrigin).toEqual([
      { stepsBeforeEnd: 14, measured: 5 / 14 },
      { stepsBeforeEnd: 7, measured: 1 },
    ]);
    // Both series missed at the same origin: the interval resamples origins, so it reaches down to that origin
    // drawn twice (series a twice: 2/7, one in 16 resamples) and up to the other origin's 100 %, where resampling
    // the two similar series alone would stay within 9/14 .. 10/14.
    expect(summary.coverage.bootstrap95.low).toBeCloseTo(2 / 7, 12);
    expect(summary.coverage.bootstrap95.high).toBe(1);
  });

  it('leaves a series without a finite MASE out of that method’s mean', () => {
    const summary = summarisePanel('panel', [
      result('a', [1, 1, 1], 0.1, ['theta'], [1, 1]),
      result('b', [Number.NaN, 3, 3], 0.1, ['theta'], [1, 1]),
    ]);
    expect(summary.mase['seasonal-naive']).toBe(1);
    expect(summary.mase.theta).toBe(2);
    expect(summary.worstRatioToSeasonalNaive).toEqual({ seriesId: 'a', ratio: 1 });
  });
});
