import {
  defaultSelectionOptions,
  implausible,
  PROVENA,
  selectAndForecast,
  type SelectionOptions,
} from '../src/evaluation/model-selection';
import { coverageBootstrapInterval } from '../src/evaluation/coverage-interval';
import { scoreM4Panel, type M4Score } from '../src/evaluation/m4-score';
import { ets } from '../src/models/ets';
import type { Forecaster } from '../src/models/forecaster';
import { comb, dampedTrend, holt, naive2, ses } from '../src/models/m4-benchmarks';
import { seasonalNaive } from '../src/models/seasonal-naive';
import { theta } from '../src/models/theta';
import type { M4Panel } from './m4-panels';

/** The official M4 results on these panels (the data README's table, from M4's "Evaluation and Ranks"). */
export const OFFICIAL: Record<'Weekly' | 'Hourly', Record<string, { smape: number; mase: number }>> = {
  Weekly: {
    naive2: { smape: 9.161, mase: 2.777 },
    'seasonal-naive': { smape: 9.161, mase: 2.777 },
    ses: { smape: 9.012, mase: 2.685 },
    theta: { smape: 9.093, mase: 2.637 },
    comb: { smape: 8.944, mase: 2.432 },
    'M4 1st (Smyl)': { smape: 7.817, mase: 2.356 },
    'M4 2nd (Montero-Manso)': { smape: 7.625, mase: 2.108 },
    'M4 3rd (Pawlikowski)': { smape: 6.919, mase: 2.158 },
  },
  Hourly: {
    naive2: { smape: 18.383, mase: 2.395 },
    'seasonal-naive': { smape: 13.912, mase: 1.193 },
    ses: { smape: 18.094, mase: 2.385 },
    theta: { smape: 18.138, mase: 2.455 },
    comb: { smape: 22.053, mase: 4.582 },
    'M4 1st (Smyl)': { smape: 9.328, mase: 0.893 },
    'M4 2nd (Montero-Manso)': { smape: 11.506, mase: 0.819 },
    'M4 3rd (Pawlikowski)': { smape: 9.611, mase: 0.873 },
  },
};

/** The baselines scored on the M4 panels, in table order. */
export const M4_BASELINES: readonly Forecaster[] = [
  naive2,
  seasonalNaive,
  ses,
  holt,
  dampedTrend,
  theta,
  comb,
  ets,
];

/** Longer seasons Provena is told about: the year of weekly data, the week of hourly data. */
export const EXTRA_PERIODS = { Weekly: [52], Hourly: [168] } as const;

export interface M4PanelResult {
  readonly panel: string;
  readonly series: number;
  readonly scores: Record<string, M4Score>;
  /**
   * Test values inside Provena's 80 % intervals: pooled, with a 95 % bootstrap interval over series (how far the
   * figure could move on another panel of the same kind and size), and by forecast step.
   */
  readonly coverage: {
    readonly measured: number;
    readonly nominal: number;
    readonly bootstrap95: { readonly low: number; readonly high: number };
    readonly byStep: readonly number[];
  };
  /** Provena forecasts with a non-finite value or one outside the history's plausible range. */
  readonly implausible: number;
  /** Series where Provena's MASE is above seasonal naive's. */
  readonly worseThanSeasonalNaive: number;
  readonly cpuSecondsPerSeries: {
    readonly provena: number;
    readonly max: number;
    readonly baselines: number;
  };
  readonly chosen: Record<string, number>;
}

/** Every baseline and Provena on one M4 panel, each series forecast once from the end of its training part. */
export function runM4Panel(
  panel: M4Panel,
  progress: (done: number) => void = () => undefined,
  selection: Partial<SelectionOptions> = {},
): M4PanelResult {
  const forecasts: Record<string, number[][]> = {};
  const perSeries: { inside: number; total: number }[] = [];
  const insideByStep: number[] = new Array<number>(panel.horizon).fill(0);
  let outside = 0;
  let provenaCpu = 0;
  let maxCpu = 0;
  let baselineCpu = 0;
  const chosen: Record<string, number> = {};
  const options = {
    ...defaultSelectionOptions(panel.horizon, panel.period, EXTRA_PERIODS[panel.name]),
    ...selection,
  };
  panel.series.forEach((s, i) => {
    let started = process.cpuUsage();
    for (const method of M4_BASELINES) {
      (forecasts[method.kind] ??= []).push(method.fit(s.history, panel.horizon, panel.period).point);
    }
    let used = process.cpuUsage(started);
    baselineCpu += (used.user + used.system) / 1e6;
    started = process.cpuUsage();
    const selected = selectAndForecast(s.history, options);
    used = process.cpuUsage(started);
    const cpu = (used.user + used.system) / 1e6;
    provenaCpu += cpu;
    maxCpu = Math.max(maxCpu, cpu);
    (forecasts[PROVENA] ??= []).push(selected.point);
    if (implausible(selected.point, s.history)) outside++;
    let inside = 0;
    s.future.forEach((v, h) => {
      if (v >= selected.lower[h]! && v <= selected.upper[h]!) {
        inside++;
        insideByStep[h]!++;
      }
    });
    perSeries.push({ inside, total: s.future.length });
    chosen[selected.kind] = (chosen[selected.kind] ?? 0) + 1;
    progress(i + 1);
  });
  const score = (method: string, naive?: { smape: number; mase: number }): M4Score =>
    scoreM4Panel(
      panel.series.map((s, i) => ({
        history: s.history,
        future: s.future,
        forecast: forecasts[method]![i]!,
      })),
      panel.masePeriod,
      naive,
    );
  const naive = score(naive2.kind);
  const scores = Object.fromEntries(Object.keys(forecasts).map((m) => [m, score(m, naive)]));
  const perSeriesMase = (method: string) =>
    panel.series.map((s, i) =>
      scoreM4Panel(
        [{ history: s.history, future: s.future, forecast: forecasts[method]![i]! }],
        panel.masePeriod,
      ),
    );
  const snaive = perSeriesMase(seasonalNaive.kind);
  const provena = perSeriesMase(PROVENA);
  const n = panel.series.length;
  return {
    panel: panel.name,
    series: n,
    scores,
    coverage: {
      measured: perSeries.reduce((a, c) => a + c.inside, 0) / perSeries.reduce((a, c) => a + c.total, 0),
      nominal: options.level,
      bootstrap95: coverageBootstrapInterval(perSeries),
      byStep: insideByStep.map((c) => c / n),
    },
    implausible: outside,
    worseThanSeasonalNaive: provena.filter((p, i) => p.mase > snaive[i]!.mase).length,
    cpuSecondsPerSeries: { provena: provenaCpu / n, max: maxCpu, baselines: baselineCpu / n },
    chosen,
  };
}
