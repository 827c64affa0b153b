import { ForecastError, ForecastErrorCode } from '../forecast-error';
import type { Forecaster } from '../models/forecaster';
import { WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import {
  BASELINES,
  defaultCandidates,
  defaultSelectionOptions,
  implausible,
  selectAndForecast,
  single,
  validationScale,
  type Candidate,
} from './model-selection';

const WEEK = 7;
const options = defaultSelectionOptions(14, WEEK);
const baselineKinds = BASELINES.map((b) => b.kind);
const withoutNeural = (): Candidate[] =>
  defaultCandidates().filter((c) => !c.members.some((m) => m.kind === 'neural-lag'));

/**
 * A forecaster that knows the future: on any prefix of `full` it forecasts the true continuation (a perfect
 * validation score), but fit on the whole series it returns `onWhole`, as a model that keys on the history's
 * length, or an over-fitted network, might.
 */
function clairvoyant(kind: string, full: readonly number[], onWhole: number): Forecaster {
  return {
    kind,
    fit(history, horizon) {
      const point =
        history.length < full.length
          ? full.slice(history.length, history.length + horizon)
          : Array<number>(horizon).fill(onWhole);
      return { kind, point, parameters: {} };
    },
  };
}

const alwaysNaN: Forecaster = {
  kind: 'always-nan',
  fit: (_history, horizon) => ({
    kind: 'always-nan',
    point: Array<number>(horizon).fill(Number.NaN),
    parameters: {},
  }),
};

describe('selectAndForecast', () => {
  const noisy = syntheticSeries({ length: 84, level: 50, additive: WEEKLY_OFFSETS, noise: 2, seed: 7 });

  it('picks seasonal naive on an exact repeating season, with a perfect score and no fallback', () => {
    const history = syntheticSeries({ length: 70, level: 30, additive: WEEKLY_OFFSETS });
    const selected = selectAndForecast(history, options);
    expect(selected.kind).toBe('seasonal-naive');
    expect(selected.validation['seasonal-naive']).toBe(0);
    expect(selected.fallback).toBeNull();
    expect(selected.point).toEqual(history.slice(56, 70));
  });

  it('forecasts a constant history as that constant, without calling it a failure', () => {
    const selected = selectAndForecast(Array<number>(30).fill(5), options, BASELINES.map(single));
    expect(selected.fallback).toBeNull();
    expect(Object.values(selected.validation).every(Number.isFinite)).toBe(true);
    selected.point.forEach((v) => expect(v).toBeCloseTo(5, 9));
  });

  it('publishes the best baseline, and says so, when the validated winner explodes on the whole history', () => {
    const cheat = clairvoyant('clairvoyant', noisy, 1e9);
    const selected = selectAndForecast(noisy, options, [...BASELINES.map(single), single(cheat)]);
    expect(selected.validation.clairvoyant).toBe(0);
    expect(selected.fallback).toEqual({
      from: 'clairvoyant',
      reason: 'forecast beyond three ranges of the history',
    });
    const bestBaseline = [...baselineKinds].sort(
      (a, b) => selected.validation[a]! - selected.validation[b]!,
    )[0];
    expect(selected.kind).toBe(bestBaseline);
    expect(selected.model.kind).toBe(bestBaseline);
    expect(Math.max(...selected.point)).toBeLessThan(200);
  });

  it('names a non-finite forecast on the whole history as the reason of the fallback', () => {
    const cheat = clairvoyant('clairvoyant', noisy, Number.NaN);
    const selected = selectAndForecast(noisy, options, [...BASELINES.map(single), single(cheat)]);
    expect(selected.fallback).toEqual({ from: 'clairvoyant', reason: 'non-finite forecast' });
    expect(baselineKinds).toContain(selected.kind);
    expect(selected.point.every(Number.isFinite)).toBe(true);
  });

  it('never chooses a candidate that forecasts NaN, alone or in a combination', () => {
    const candidates: Candidate[] = [
      single(alwaysNaN),
      { kind: 'comb(always-nan+theta)', members: [alwaysNaN, BASELINES[2]!] },
      ...BASELINES.map(single),
    ];
    const selected = selectAndForecast(noisy, options, candidates);
    expect(selected.validation['always-nan']).toBeNaN();
    expect(selected.validation['comb(always-nan+theta)']).toBeNaN();
    expect(baselineKinds).toContain(selected.kind);
    expect(selected.fallback).toBeNull();
  });

  it('falls back to seasonal naive when every candidate fails validation', () => {
    const selected = selectAndForecast(noisy, options, [single(alwaysNaN)]);
    expect(selected.kind).toBe('seasonal-naive');
    expect(selected.fallback?.reason).toBe('every candidate failed validation');
    expect(selected.point).toEqual(noisy.slice(77, 84).concat(noisy.slice(77, 84)));
  });

  it('gives intervals around the point that never narrow with the step, at or above 0 for non-negative data', () => {
    const selected = selectAndForecast(noisy, options);
    expect(selected.point).toHaveLength(14);
    expect(selected.level).toBe(0.8);
    selected.point.forEach((p, h) => {
      expect(selected.lower[h]).toBeLessThanOrEqual(p);
      expect(selected.upper[h]).toBeGreaterThanOrEqual(p);
      expect(selected.lower[h]).toBeGreaterThanOrEqual(0);
      if (h > 0) {
        const width = selected.upper[h]! - p;
        expect(width).toBeGreaterThanOrEqual(selected.upper[h - 1]! - selected.point[h - 1]! - 1e-9);
      }
    });
  });

  it('keeps intervals non-decreasing on a series whose later validation errors are smaller', () => {
    // Seen once with holt-winters: the pooled error up to step 5 was smaller than up to step 4.
    const history = syntheticSeries({
      length: 70,
      level: 0,
      additive: [10, 12, 11, 13, 20, 30, 5],
      noise: 0.29,
      seed: 2,
    }).map((v) => v + 0.5);
    const selected = selectAndForecast(history, options, withoutNeural());
    const widths = selected.upper.map((u, h) => u - selected.point[h]!);
    for (let h = 1; h < widths.length; h++) expect(widths[h]).toBeGreaterThanOrEqual(widths[h - 1]! - 1e-9);
  });

  it('floors points and lower bounds at 0 for sparse non-negative demand', () => {
    const sparse = syntheticSeries({
      length: 56,
      level: 0.5,
      additive: [0, 0, 0, 0, 1, 2, -0.5],
      noise: 1,
      seed: 9,
    }).map((v) => Math.max(0, Math.round(v)));
    const selected = selectAndForecast(sparse, options, withoutNeural());
    expect(Math.min(...selected.lower, ...selected.point)).toBeGreaterThanOrEqual(0);
  });

  it('refuses a history too short to validate with SERIES_TOO_SHORT, and accepts the minimum', () => {
    const minimum = WEEK + 14;
    const attempt = (): unknown =>
      selectAndForecast(noisy.slice(0, minimum - 1), options, BASELINES.map(single));
    expect(attempt).toThrow(ForecastError);
    expect(attempt).toThrow(expect.objectContaining({ code: ForecastErrorCode.SeriesTooShort }));
    expect(attempt).toThrow(/20 values cannot validate a 14-step forecast \(need at least 21\)/);
    expect(selectAndForecast(noisy.slice(0, minimum), options, BASELINES.map(single)).point).toHaveLength(14);
  });

  it('records what identifies the model: the configuration and each member’s parameters', () => {
    const selected = selectAndForecast(noisy, options, BASELINES.map(single));
    expect(selected.model.config).toMatchObject({ horizon: 14, period: WEEK, candidates: baselineKinds });
    expect(Object.keys(selected.model.weights)).toEqual(
      selected.kind.startsWith('comb(') ? expect.any(Array) : [selected.kind],
    );
  });
});

describe('implausible', () => {
  const history = [10, 20, 15, 30];

  it('accepts forecasts within three ranges of the history', () => {
    expect(implausible([30 + 3 * 20, 10 - 3 * 20, 12], history)).toBeNull();
  });

  it('refuses non-finite values', () => {
    expect(implausible([12, Number.NaN], history)).toBe('non-finite forecast');
    expect(implausible([Number.POSITIVE_INFINITY], history)).toBe('non-finite forecast');
  });

  it('refuses values beyond three ranges, above or below', () => {
    expect(implausible([30 + 3 * 20 + 0.01], history)).toBe('forecast beyond three ranges of the history');
    expect(implausible([10 - 3 * 20 - 0.01], history)).toBe('forecast beyond three ranges of the history');
  });

  it('measures a constant history by a tenth of its size', () => {
    expect(implausible([130], [100, 100])).toBeNull();
    expect(implausible([131], [100, 100])).toBe('forecast beyond three ranges of the history');
  });
});

describe('validationScale', () => {
  it('is the seasonal naive MAE, else the naive MAE, else 1', () => {
    expect(validationScale([1, 2, 4, 3], 2)).toBeCloseTo(2, 12);
    expect(validationScale([1, 2, 1, 2, 1, 2], 2)).toBeCloseTo(1, 12);
    expect(validationScale([4, 4, 4], 2)).toBe(1);
  });
});
