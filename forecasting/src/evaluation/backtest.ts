import { holtWinters } from '../models/holt-winters';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import { seasonPeriod, type TimeSeries } from '../series/time-series';
import { mase, mean, smape } from './metrics';
import {
  defaultCandidates,
  defaultSelectionOptions,
  selectAndForecast,
  type Candidate,
} from './model-selection';

export interface BacktestOptions {
  readonly horizon: number;
  /** Test origins: the last `horizon` steps before the end, then every `originSpacing` steps earlier. */
  readonly testOrigins: number;
  readonly originSpacing: number;
  readonly candidates?: readonly Candidate[];
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
  /** Provena's choice at each test origin, and whether it fell back. */
  readonly chosen: string[];
  readonly fallbacks: number;
  /** Process CPU seconds per test origin: one forecast of the series, model selection included. */
  readonly cpuSecondsPerForecast: number;
}

export const PROVENA = 'provena';
export const BASELINE_METHODS = [seasonalNaive, holtWinters, theta] as const;

/**
 * Rolling-origin evaluation of one series: at each test origin every method sees only the values before it, so
 * Provena's model selection runs on the training part alone, as it would in production.
 */
export function backtestSeries(series: TimeSeries, options: BacktestOptions): SeriesBacktest {
  const started = process.cpuUsage();
  const period = seasonPeriod(series.step);
  const y = series.values;
  const h = options.horizon;
  const collected: Record<string, { mase: number[]; smape: number[] }> = {};
  const record = (method: string, actual: number[], point: number[], train: readonly number[]): void => {
    const entry = (collected[method] ??= { mase: [], smape: [] });
    entry.mase.push(mase(actual, point, train, period));
    entry.smape.push(smape(actual, point));
  };
  const chosen: string[] = [];
  let fallbacks = 0;
  let origins = 0;
  for (let k = options.testOrigins - 1; k >= 0; k--) {
    const origin = y.length - h - k * options.originSpacing;
    if (origin < 2 * period + h) continue;
    origins++;
    const train = y.slice(0, origin);
    const actual = y.slice(origin, origin + h);
    for (const method of BASELINE_METHODS)
      record(method.kind, actual, method.fit(train, h, period).point, train);
    const selected = selectAndForecast(
      train,
      defaultSelectionOptions(h, period),
      options.candidates ?? defaultCandidates(),
    );
    record(PROVENA, actual, selected.point, train);
    chosen.push(selected.kind);
    if (selected.fallback) fallbacks++;
  }
  const cpu = process.cpuUsage(started);
  return {
    seriesId: series.id,
    length: y.length,
    origins,
    scores: Object.fromEntries(
      Object.entries(collected).map(([m, s]) => [m, { mase: mean(s.mase), smape: mean(s.smape) }]),
    ),
    chosen,
    fallbacks,
    cpuSecondsPerForecast: (cpu.user + cpu.system) / 1e6 / Math.max(1, origins),
  };
}

/** A panel's summary: mean MASE and sMAPE per method, the worst series against seasonal naive, CPU. */
export interface PanelSummary {
  readonly panel: string;
  readonly series: number;
  readonly mase: Record<string, number>;
  readonly smape: Record<string, number>;
  /** Provena's worst per-series MASE ratio to seasonal naive. */
  readonly worstRatioToSeasonalNaive: { seriesId: string; ratio: number };
  /** The most CPU one series' forecast took (selection and fit), in seconds. */
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
    worstRatioToSeasonalNaive: worst,
    maxCpuSecondsPerForecast: Math.max(...results.map((r) => r.cpuSecondsPerForecast)),
    chosen,
    fallbacks: results.reduce((a, r) => a + r.fallbacks, 0),
  };
}
