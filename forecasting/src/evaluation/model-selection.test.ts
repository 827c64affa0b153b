import { ForecastError, ForecastErrorCode } from '../forecast-error';
import type { Forecaster } from '../models/forecaster';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import { dampedTrend } from '../models/m4-benchmarks';
import { mulberry32 } from '../maintenance/seeded-random';
import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import {
  classicalMembers,
  defaultSelectionOptions,
  implausible,
  NEURAL,
  plausibleRange,
  pointwiseMedian,
  PROVENA,
  selectAndForecast,
  validationScale,
} from './model-selection';

const WEEK = 7;
const classical = { ...defaultSelectionOptions(14, WEEK), neural: false };

/** A member that forecasts the truth of `full` plus `offset` on every prefix, and `onWhole` on all of it. */
function oracle(kind: string, full: readonly number[], offset: number, onWhole?: number): Forecaster {
  return {
    kind,
    fit(history, horizon) {
      const truth = full.slice(history.length, history.length + horizon);
      const point =
        history.length < full.length
          ? truth.map((v) => v + offset)
          : Array<number>(horizon).fill(onWhole ?? history[history.length - 1]! + offset);
      return { kind, point, parameters: { offset } };
    },
  };
}

const constant = (kind: string, value: number): Forecaster => ({
  kind,
  fit: (_history, horizon) => ({ kind, point: Array<number>(horizon).fill(value), parameters: {} }),
});

describe('selectAndForecast', () => {
  const noisy = syntheticSeries({ length: 98, level: 50, additive: WEEKLY_OFFSETS, noise: 2, seed: 7 });

  it('averages the three members with the best validation MASE when six origins support the choice', () => {
    const members = [
      oracle('near', noisy, 0.5),
      oracle('nearer', noisy, -0.45),
      oracle('close', noisy, 0.55),
      oracle('closish', noisy, 0.56),
      oracle('far', noisy, 10),
    ];
    const selected = selectAndForecast(noisy, classical, members);
    expect(selected.kind).toBe('comb(nearer+near+close)');
    expect(selected.validation.nearer).toBeLessThan(selected.validation.near!);
    expect(selected.validation.far).toBeGreaterThan(selected.validation.close!);
    const last = noisy[noisy.length - 1]!;
    selected.point.forEach((v) => expect(v).toBeCloseTo(last + (0.5 - 0.45 + 0.55) / 3, 9));
    expect(selected.model.config).toMatchObject({
      origins: 6,
      members: ['near', 'nearer', 'close', 'closish', 'far'],
    });
    expect(Object.keys(selected.model.weights).sort()).toEqual(['close', 'near', 'nearer']);
    expect(selected.fallback).toBeNull();
  });

  it('averages only members within 1.3 × the best validation MASE', () => {
    const members = [oracle('best', noisy, 0.5), oracle('near', noisy, 0.6), oracle('behind', noisy, 0.7)];
    expect(selectAndForecast(noisy, classical, members).kind).toBe('comb(best+near)');
  });

  it('takes the median of the core members when too few origins support a choice', () => {
    const members = [theta, dampedTrend, oracle('lucky', noisy, 0)];
    const selected = selectAndForecast(noisy, { ...classical, validationOrigins: 3 }, members);
    expect(selected.kind).toBe('median(theta+damped)');
    const expected = pointwiseMedian([
      theta.fit(noisy, 14, WEEK).point,
      dampedTrend.fit(noisy, 14, WEEK).point,
    ]);
    selected.point.forEach((v, h) => expect(v).toBeCloseTo(expected[h]!, 9));
  });

  it('refuses a member that leaves the plausible range on the whole history, however well it validated', () => {
    const cheat = oracle('cheat', noisy, 0, 1e9);
    const selected = selectAndForecast(noisy, classical, [cheat, theta, dampedTrend, seasonalNaive]);
    expect(selected.validation.cheat).toBe(0);
    expect(selected.refused).toEqual([
      { member: 'cheat', reason: 'forecast outside the plausible range of the history' },
    ]);
    expect(selected.kind).not.toContain('cheat');
    expect(Math.max(...selected.point)).toBeLessThan(plausibleRange(noisy).high);
  });

  it('never combines a member that forecasts NaN or throws, at an origin or on the whole history', () => {
    const nan = constant('nan', Number.NaN);
    const throws: Forecaster = {
      kind: 'throws',
      fit: () => {
        throw new Error('no');
      },
    };
    const selected = selectAndForecast(noisy, classical, [nan, throws, theta, dampedTrend, seasonalNaive]);
    expect(selected.validation.nan).toBeNaN();
    expect(selected.validation.throws).toBeNaN();
    expect(selected.kind).toMatch(
      /^comb\((theta|damped|seasonal-naive)(\+(theta|damped|seasonal-naive)){0,2}\)$/,
    );
    expect(selected.refused.map((r) => r.member).sort()).toEqual(['nan', 'throws']);
    expect(selected.point.every(Number.isFinite)).toBe(true);
  });

  it('falls back to seasonal naive, and says so, when every member fails', () => {
    const selected = selectAndForecast(noisy, classical, [constant('nan', Number.NaN)]);
    expect(selected.kind).toBe('seasonal-naive');
    expect(selected.fallback).toEqual({ from: PROVENA, reason: 'every member failed or was refused' });
    expect(selected.point).toEqual(noisy.slice(91, 98).concat(noisy.slice(91, 98)));
  });

  it('makes the network a member, scored like the others, unless told not to', () => {
    const withNetwork = selectAndForecast(noisy, defaultSelectionOptions(14, WEEK), [theta, dampedTrend]);
    expect(Number.isFinite(withNetwork.validation[NEURAL])).toBe(true);
    expect(withNetwork.model.config.members).toEqual(['theta', 'damped', NEURAL]);
    const without = selectAndForecast(noisy, classical, [theta, dampedTrend]);
    expect(without.validation[NEURAL]).toBeUndefined();
  });

  it('gives intervals around the point, never narrower than a week earlier, at or above 0 for non-negative data', () => {
    const sparse = syntheticSeries({
      length: 70,
      level: 0.5,
      additive: [0, 0, 0, 0, 1, 2, -0.5],
      noise: 1,
      seed: 9,
    });
    const demand = sparse.map((v) => Math.max(0, Math.round(v)));
    for (const history of [noisy, demand]) {
      const selected = selectAndForecast(history, classical, [theta, dampedTrend, seasonalNaive]);
      expect(selected.level).toBe(0.8);
      // 14 days ahead, a season of 7: the width may change from a busy weekday to a quiet one (the phase
      // profile), but a day's band is never narrower than the same weekday's a week earlier.
      const width = (h: number): number => selected.upper[h]! - selected.point[h]!;
      selected.point.forEach((p, h) => {
        expect(selected.lower[h]).toBeLessThanOrEqual(p);
        expect(selected.upper[h]).toBeGreaterThanOrEqual(p);
        expect(selected.lower[h]).toBeGreaterThanOrEqual(0);
        expect(p).toBeGreaterThanOrEqual(0);
        if (h >= WEEK) expect(width(h)).toBeGreaterThanOrEqual(width(h - WEEK) - 1e-9);
      });
    }
  });

  it('covers about 80 % of held-out values with its 80 % intervals on a panel of noisy seasonal random walks', () => {
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const random = mulberry32(seed);
      const gaussian = (): number =>
        Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
      let level = 100;
      const series = Array.from({ length: 112 }, (_, t) => {
        level += 0.5 * gaussian();
        return level + WEEKLY_OFFSETS[t % WEEK]! + 2 * gaussian();
      });
      const history = series.slice(0, 98);
      const selected = selectAndForecast(history, classical, [theta, dampedTrend, seasonalNaive]);
      series.slice(98).forEach((v, h) => {
        total++;
        if (v >= selected.lower[h]! && v <= selected.upper[h]!) inside++;
      });
    }
    expect(inside / total).toBeGreaterThan(0.7);
    expect(inside / total).toBeLessThan(0.9);
  });

  it('refuses a history too short to validate with SERIES_TOO_SHORT, and accepts the minimum', () => {
    const minimum = WEEK + 14;
    const attempt = (): unknown => selectAndForecast(noisy.slice(0, minimum - 1), classical, [theta]);
    expect(attempt).toThrow(ForecastError);
    expect(attempt).toThrow(expect.objectContaining({ code: ForecastErrorCode.SeriesTooShort }));
    expect(attempt).toThrow(/20 values cannot validate a 14-step forecast \(need at least 21\)/);
    expect(selectAndForecast(noisy.slice(0, minimum), classical, [theta]).point).toHaveLength(14);
  });

  it('forecasts a constant history as that constant', () => {
    const selected = selectAndForecast(Array<number>(40).fill(5), classical);
    selected.point.forEach((v) => expect(v).toBeCloseTo(5, 9));
    expect(selected.fallback).toBeNull();
  });

  it('offers the longer season members when given one', () => {
    expect(classicalMembers(24, [168]).map((m) => m.kind)).toEqual([
      'theta',
      'ets',
      'damped',
      'ses',
      'holt',
      'naive2',
      'seasonal-naive',
      'holt-winters',
      'theta-s168',
      'damped-s168',
      'seasonal-naive-s168',
    ]);
  });
});

describe('plausibleRange and implausible', () => {
  it('reach one range of the history beyond it, never below 0 for a history that never was', () => {
    expect(plausibleRange([10, 20, 15, 30])).toEqual({ low: 0, high: 50 });
    expect(plausibleRange([-5, 5])).toEqual({ low: -15, high: 15 });
    expect(plausibleRange([100, 100])).toEqual({ low: 90, high: 110 });
  });

  it('refuse non-finite values and values outside the range', () => {
    const history = [10, 20, 15, 30];
    expect(implausible([0, 50, 12], history)).toBeNull();
    expect(implausible([12, Number.NaN], history)).toBe('non-finite forecast');
    expect(implausible([50.01], history)).toBe('forecast outside the plausible range of the history');
    expect(implausible([-0.01], history)).toBe('forecast outside the plausible range of the history');
  });
});

describe('validationScale', () => {
  it('is the seasonal naive MAE, else the naive MAE, else 1', () => {
    expect(validationScale([1, 2, 4, 3], 2)).toBeCloseTo(2, 12);
    expect(validationScale([1, 2, 1, 2, 1, 2], 2)).toBeCloseTo(1, 12);
    expect(validationScale([4, 4, 4], 2)).toBe(1);
  });
});
