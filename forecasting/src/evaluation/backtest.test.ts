import type { Forecaster } from '../models/forecaster';
import { holtWinters } from '../models/holt-winters';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import type { TimeSeries } from '../series/time-series';
import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { backtestSeries, PROVENA, summarisePanel, type SeriesBacktest } from './backtest';
import { BASELINES, single } from './model-selection';

const daily = (id: string, values: number[]): TimeSeries => ({
  id,
  step: 'day',
  start: '2024-01-01',
  values,
});

describe('backtestSeries', () => {
  afterEach(() => jest.restoreAllMocks());

  it('scores seasonal naive, Holt-Winters, Theta and Provena at every test origin', () => {
    const values = syntheticSeries({
      length: 84,
      level: 50,
      slope: 0.1,
      additive: WEEKLY_OFFSETS,
      noise: 2,
      seed: 5,
    });
    const result = backtestSeries(daily('orders', values), { horizon: 7, testOrigins: 2, originSpacing: 7 });
    expect(result).toMatchObject({ seriesId: 'orders', length: 84, origins: 2 });
    expect(Object.keys(result.scores).sort()).toEqual(['holt-winters', PROVENA, 'seasonal-naive', 'theta']);
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
    [seasonalNaive, holtWinters, theta].forEach(spy);
    const result = backtestSeries(daily('wild', values), {
      horizon: 7,
      testOrigins: 1,
      originSpacing: 7,
      candidates: BASELINES.map(single),
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
      candidates: BASELINES.map(single),
    });
    expect(result.origins).toBe(2);
    expect(result.chosen).toHaveLength(2);
  });
});

describe('summarisePanel', () => {
  const result = (
    seriesId: string,
    mase: [number, number, number, number],
    cpuSeconds: number,
    chosen: string[],
    fallbacks = 0,
  ): SeriesBacktest => ({
    seriesId,
    length: 100,
    origins: chosen.length,
    scores: {
      'seasonal-naive': { mase: mase[0], smape: 10 },
      'holt-winters': { mase: mase[1], smape: 20 },
      theta: { mase: mase[2], smape: 30 },
      [PROVENA]: { mase: mase[3], smape: 40 },
    },
    chosen,
    fallbacks,
    cpuSecondsPerForecast: cpuSeconds,
  });

  it('averages each method, finds the worst series against seasonal naive, the CPU peak and the choices', () => {
    const summary = summarisePanel('panel', [
      result('a', [1, 0.8, 0.9, 0.7], 0.2, ['theta', 'holt-winters']),
      result('b', [2, 1.2, 1.0, 3], 0.5, ['theta'], 1),
      result('c', [0.5, 0.6, 0.7, 0.6], 0.1, ['seasonal-naive']),
    ]);
    expect(summary.panel).toBe('panel');
    expect(summary.series).toBe(3);
    expect(summary.mase['seasonal-naive']).toBeCloseTo(3.5 / 3, 12);
    expect(summary.mase[PROVENA]).toBeCloseTo(4.3 / 3, 12);
    expect(summary.smape.theta).toBeCloseTo(30, 12);
    // Ratios Provena / seasonal naive: 0.7, 1.5, 1.2.
    expect(summary.worstRatioToSeasonalNaive.seriesId).toBe('b');
    expect(summary.worstRatioToSeasonalNaive.ratio).toBeCloseTo(1.5, 12);
    expect(summary.maxCpuSecondsPerForecast).toBe(0.5);
    expect(summary.chosen).toEqual({ theta: 2, 'holt-winters': 1, 'seasonal-naive': 1 });
    expect(summary.fallbacks).toBe(1);
  });

  it('leaves a series without a finite MASE out of that method’s mean', () => {
    const summary = summarisePanel('panel', [
      result('a', [1, 1, 1, 1], 0.1, ['theta']),
      result('b', [Number.NaN, 3, 3, 3], 0.1, ['theta']),
    ]);
    expect(summary.mase['seasonal-naive']).toBe(1);
    expect(summary.mase.theta).toBe(2);
    expect(summary.worstRatioToSeasonalNaive).toEqual({ seriesId: 'a', ratio: 1 });
  });
});
