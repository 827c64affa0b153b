import { ets } from '../models/ets';
import type { Forecaster } from '../models/forecaster';
import { comb, naive2 } from '../models/m4-benchmarks';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import { seasonPeriod, type TimeSeries } from '../series/time-series';
import { mase, mean, smape } from './metrics';
import { panelCoverage } from './coverage-interval';
import {
  classicalMembers,
  defaultSelectionOptions,
  implausible,
  PROVENA,
  selectAndForecast,
  type SelectionOptions,
} from './model-selection';

export { PROVENA } from './model-selection';

/** The published baselines every backtest scores beside Provena. */
export const BASELINE_METHODS: readonly Forecaster[] = [seasonalNaive, naive2, theta, ets, comb];

export interface BacktestOptions {
  readonly horizon: number;
  /** Test origins: the last `horizon` steps before the end, then every `originSpacing` steps earlier. */
  readonly testOrigins: number;
  readonly originSpacing: number;
  /** Season length of the methods and of MASE's scale; default from the series' step (7 daily, 12 monthly). */
  readonly period?: number;
  /** Provena's options beyond horizon and period. */
  readonly selection?: Partial<Omit<SelectionOptions, 'horizon' | 'period'>>;
}

/** What one method scored on one series, averaged over the test origins. */
export interface MethodScore {
  readonly mase: number;
  readonly smape: number;
}

export interface SeriesBacktest {
  readonly seriesId: string;
  readonly length: number;
  readonly origins: number;
  readonly scores: Record<string, MethodScore>;
  /**
   * Provena's interval: test values inside it, of all test values; and per test origin, keyed by how many steps
   * before the end of the series the origin lies (one regime change shows as one origin's miss, not the panel's).
   */
  readonly coverage: {
    readonly inside: number;
    readonly total: number;
    readonly level: number;
    readonly byOrigin: Readonly<Record<number, { readonly inside: number; readonly total: number }>>;
  };
  /** Provena's published values that were not finite or left the history's plausible range (must be 0). */
  readonly implausible: number;
  /** Provena's combination at each test origin, and whether it fell back. */
  readonly chosen: string[];
  readonly fallbacks: number;
  /** Process CPU seconds per test origin of Provena's forecast, validation included. */
  readonly cpuSecondsPerForecast: number;
}

/**
 * Where a rolling-origin backtest forecasts from in a series of `length` values: the last origin `horizon` steps
 * before the end, then every `originSpacing` earlier, `testOrigins` at most, oldest first; an origin with fewer than
 * two seasons before it is left out.
 */
export function backtestOrigins(
  length: number,
  options: BacktestOptions & { readonly period: number },
): number[] {
  const origins: number[] = [];
  for (let k = options.testOrigins - 1; k >= 0; k--) {
    const origin = length - options.horizon - k * options.originSpacing;
    if (origin >= 2 * options.period + options.horizon) origins.push(origin);
  }
  return origins;
}

/**
 * Rolling-origin evaluation of one series: at each test origin every method sees only the values before it, so
 * Provena validates and combines on the training part alone, as it does in production.
 */
export function backtestValues(
  id: string,
  values: readonly number[],
  options: BacktestOptions & { readonly period: number },
): SeriesBacktest {
  const { period, horizon: h } = options;
  const collected: Record<string, { mase: number[]; smape: number[] }> = {};
  const record = (method: string, actual: number[], point: number[], train: readonly number[]): void => {
    const entry = (collected[method] ??= { mase: [], smape: [] });
    entry.mase.push(mase(actual, point, train, period));
    entry.smape.push(smape(actual, point));
  };
  const chosen: string[] = [];
  let fallbacks = 0;
  let origins = 0;
  let inside = 0;
  let total = 0;
  let outside = 0;
  let cpu = 0;
  const byOrigin: Record<number, { inside: number; total: number }> = {};
  const selection = { ...defaultSelectionOptions(h, period), ...options.selection };
  const members = classicalMembers(period, selection.extraPeriods);
  for (const origin of backtestOrigins(values.length, options)) {
    origins++;
    const train = values.slice(0, origin);
    const actual = values.slice(origin, origin + h);
    for (const method of BASELINE_METHODS)
      record(method.kind, actual, method.fit(train, h, period).point, train);
    const started = process.cpuUsage();
    const selected = selectAndForecast(train, selection, members);
    const used = process.cpuUsage(started);
    cpu += (used.user + used.system) / 1e6;
    record(PROVENA, actual, selected.point, train);
    if (implausible(selected.point, train)) outside++;
    const here = { inside: 0, total: h };
    actual.forEach((a, i) => {
      if (a >= selected.lower[i]! && a <= selected.upper[i]!) here.inside++;
    });
    byOrigin[values.length - origin] = here;
    inside += here.inside;
    total += h;
    chosen.push(selected.kind);
    if (selected.fallback) fallbacks++;
  }
  return {
    seriesId: id,
    length: values.length,
    origins,
    scores: Object.fromEntries(
      Object.entries(collected).map(([m, s]) => [m, { mase: mean(s.mase), smape: mean(s.smape) }]),
    ),
    coverage: { inside, total, level: selection.level, byOrigin },
    implausible: outside,
    chosen,
    fallbacks,
    cpuSecondsPerForecast: cpu / Math.max(1, origins),
  };
}

/** {@link backtestValues} for a series with a calendar step (season 7 for days, 12 for months unless given). */
export function backtestSeries(series: TimeSeries, options: BacktestOptions): SeriesBacktest {
  return backtestValues(series.id, series.values, {
    ...options,
    period: options.period ?? seasonPeriod(series.step),
  });
}

/** A panel's summary: mean MASE and sMAPE per method, interval coverage, the worst series, CPU. */
export interface PanelSummary {
  readonly panel: string;
  readonly series: number;
  readonly mase: Record<string, number>;
  readonly smape: Record<string, number>;
  /**
   * Share of test values inside Provena's intervals, and their nominal level; and that share per test origin, keyed
   * by how many steps before the series' end it lies, oldest first.
   */
  readonly coverage: {
    readonly measured: number;
    readonly nominal: number;
    readonly byOrigin: readonly { readonly stepsBeforeEnd: number; readonly measured: number }[];
    /** 95 % bootstrap interval of `measured`, resampling series and test origins ({@link panelCoverage}). */
    readonly bootstrap95: { readonly low: number; readonly high: number };
  };
  /** Provena's published values that were not finite or outside the plausible range. */
  readonly implausible: number;
  /** Provena's worst per-series MASE ratio to seasonal naive. */
  readonly worstRatioToSeasonalNaive: { seriesId: string; ratio: number };
  /** CPU of one Provena forecast (validation and fit), mean and most, in seconds. */
  readonly meanCpuSecondsPerForecast: number;
  readonly maxCpuSecondsPerForecast: number;
  readonly chosen: Record<string, number>;
  readonly fallbacks: number;
}

export function summarisePanel(panel: string, results: readonly SeriesBacktest[]): PanelSummary {
  const methods = Object.keys(results[0]?.scores ?? {});
  const valid = (f: (r: SeriesBacktest) => number): number[] =>
    results.map(f).filter((v) => Number.isFinite(v));
  let worst = { seriesId: '', ratio: -Infinity };
  const chosen: Record<string, number> = {};
  for (const r of results) {
    const ratio = r.scores[PROVENA]!.mase / r.scores[seasonalNaive.kind]!.mase;
    if (ratio > worst.ratio) worst = { seriesId: r.seriesId, ratio };
    for (const c of r.chosen) chosen[c] = (chosen[c] ?? 0) + 1;
  }
  return {
    panel,
    series: results.length,
    mase: Object.fromEntries(methods.map((m) => [m, mean(valid((r) => r.scores[m]!.mase))])),
    smape: Object.fromEntries(methods.map((m) => [m, mean(valid((r) => r.scores[m]!.smape))])),
    coverage: {
      ...panelCoverage(results.map((r) => r.coverage)),
      nominal: results[0]?.coverage.level ?? NaN,
    },
    implausible: results.reduce((a, r) => a + r.implausible, 0),
    worstRatioToSeasonalNaive: worst,
    meanCpuSecondsPerForecast: mean(results.map((r) => r.cpuSecondsPerForecast)),
    maxCpuSecondsPerForecast: Math.max(...results.map((r) => r.cpuSecondsPerForecast)),
    chosen,
    fallbacks: results.reduce((a, r) => a + r.fallbacks, 0),
  };
}
