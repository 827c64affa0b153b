import { mean, seasonalNaiveScale } from '../evaluation/metrics';
import { addSteps, seasonPeriod, stepsBetween } from '../series/time-series';
import type { DemandSeries } from './demand-history';
import type { PublishedForecast } from './published-forecast';

/** How one published demand forecast did on the days whose orders are now on the ledger. */
export interface ForecastRunScore {
  readonly runId: string;
  readonly seriesId: string;
  readonly origin: string;
  readonly modelKind: string;
  /** The anchor to check the scored values against (`GET /forecasts/{runId}` recomputes it). */
  readonly valuesHash: string;
  readonly anchorTxId: string;
  /** Forecast days whose actual demand is known. */
  readonly observed: number;
  /** Of those, days whose actual demand fell inside the prediction interval. */
  readonly inside: number;
  readonly meanAbsoluteError: number;
  /**
   * Mean absolute error over the in-sample mean absolute weekly change of the history before the origin (MASE with
   * the seasonal naive scale): below 1 beats "same day last week" as it did in training. Null where that history is
   * shorter than two weeks or never changed.
   */
  readonly mase: number | null;
}

/** Pooled over some runs. */
export interface ScoreTotals {
  readonly runs: number;
  readonly observed: number;
  readonly inside: number;
  /** inside / observed; null before any day is observed. */
  readonly coverage: number | null;
  /**
   * Wilson 95 % interval of that coverage, counting the days as independent draws. Days of one run share its
   * errors, so the honest interval is wider: read "nominal is outside" as a warning, not a verdict.
   */
  readonly coverage95: { readonly low: number; readonly high: number } | null;
  /** Mean of the runs' MASE (runs where it is defined). */
  readonly mase: number | null;
}

/**
 * Realised accuracy of the published demand forecasts: each run's forecast days against the orders the ledger
 * now holds for those days. It is the one measure of the intervals that uses data no model saw; a coverage far
 * from `level` over many days says the intervals are too narrow or too wide in production, whatever back-tests
 * said.
 */
export interface ForecastScorecard {
  readonly computedAt: string;
  /** The interval level scored (runs published at another level are left out and counted in `otherLevel`). */
  readonly level: number | null;
  readonly otherLevel: number;
  readonly overall: ScoreTotals;
  /**
   * Coverage by how far ahead the day was forecast (1 = the forecast's first day), over every scored run: intervals
   * calibrated on average can still be too wide near and too narrow far out.
   */
  readonly byDaysAhead: readonly {
    readonly daysAhead: number;
    readonly observed: number;
    readonly inside: number;
    readonly coverage: number;
  }[];
  readonly series: readonly (ScoreTotals & {
    readonly seriesId: string;
    /** The last day whose orders are counted as known: the series' last day with an order. */
    readonly actualsThrough: string;
    /** The ledger block of the newest order counted. */
    readonly actualsToBlock: string;
  })[];
  /** Runs with at least one observed day, newest origin first, at most {@link LISTED_RUNS} of them. */
  readonly runs: readonly ForecastRunScore[];
  /** Older scored runs counted in the totals but not listed. */
  readonly runsNotListed: number;
}

/** A year of daily runs for a few series: enough to look back on, small enough to serve in one response. */
export const LISTED_RUNS = 1000;

const Z95 = 1.959964;

/** Wilson score interval for `inside` successes in `n` trials at 95 %. */
export function wilson95(inside: number, n: number): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = inside / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The MASE scale of the history before a forecast, where it has two whole weeks and ever changed. */
function weeklyScale(history: readonly number[]): number | null {
  const period = seasonPeriod('day');
  if (history.length < 2 * period) return null;
  const scale = seasonalNaiveScale(history, period);
  return scale > 0 ? scale : null;
}

function totals(scores: readonly ForecastRunScore[]): ScoreTotals {
  const observed = scores.reduce((a, s) => a + s.observed, 0);
  const inside = scores.reduce((a, s) => a + s.inside, 0);
  const mases = scores.map((s) => s.mase).filter((m): m is number => m !== null);
  return {
    runs: scores.length,
    observed,
    inside,
    coverage: observed > 0 ? inside / observed : null,
    coverage95: wilson95(inside, observed),
    mase: mases.length > 0 ? mean(mases) : null,
  };
}

/**
 * Scores every daily demand run against the replayed order history. A day counts as known up to the series' last
 * day with an order, the same cut the training uses (a day without orders before it is a 0, after it is not yet
 * known), so a run is scored only on days later orders have closed.
 */
export function scoreForecasts(
  runs: readonly PublishedForecast[],
  history: readonly DemandSeries[],
  now: Date = new Date(),
): ForecastScorecard {
  const demand = runs
    .filter((r) => r.anchor.purpose === 'demand' && r.values.step === 'day')
    .sort((a, b) => (a.publishedAt < b.publishedAt ? 1 : -1));
  const level = demand[0]?.values.level ?? null;
  const atLevel = demand.filter((r) => r.values.level === level);
  const seriesById = new Map(history.map((s) => [s.id, s]));
  const scored: ForecastRunScore[] = [];
  const ahead: { observed: number; inside: number }[] = [];
  for (const run of atLevel) {
    const series = seriesById.get(run.values.seriesId);
    if (!series || series.step !== 'day') continue;
    const originIndex = stepsBetween(series.start, run.values.origin, 'day');
    let observed = 0;
    let inside = 0;
    let absoluteErrors = 0;
    run.values.point.forEach((point, h) => {
      const actual = series.values[originIndex + h];
      if (originIndex + h < 0 || actual === undefined) return;
      const within = actual >= run.values.lower[h]! && actual <= run.values.upper[h]!;
      observed++;
      absoluteErrors += Math.abs(actual - point);
      if (within) inside++;
      const step = (ahead[h] ??= { observed: 0, inside: 0 });
      step.observed++;
      if (within) step.inside++;
    });
    if (observed === 0) continue;
    const meanAbsoluteError = absoluteErrors / observed;
    const scale = weeklyScale(series.values.slice(0, Math.max(0, originIndex)));
    scored.push({
      runId: run.runId,
      seriesId: run.values.seriesId,
      origin: run.values.origin,
      modelKind: run.modelCard.kind,
      valuesHash: run.anchor.valuesHash,
      anchorTxId: run.ledger.txId,
      observed,
      inside,
      meanAbsoluteError,
      mase: scale === null ? null : meanAbsoluteError / scale,
    });
  }
  scored.sort((a, b) =>
    a.origin !== b.origin ? (a.origin < b.origin ? 1 : -1) : a.seriesId < b.seriesId ? -1 : 1,
  );
  const bySeries = new Map<string, ForecastRunScore[]>();
  for (const s of scored) {
    const list = bySeries.get(s.seriesId);
    if (list) list.push(s);
    else bySeries.set(s.seriesId, [s]);
  }
  return {
    computedAt: now.toISOString(),
    level,
    otherLevel: demand.length - atLevel.length,
    overall: totals(scored),
    byDaysAhead: [...ahead.entries()]
      .filter(([, step]) => step !== undefined)
      .map(([h, step]) => ({ daysAhead: h + 1, ...step, coverage: step.inside / step.observed })),
    series: [...bySeries]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([seriesId, scores]) => {
        const series = seriesById.get(seriesId)!;
        return {
          seriesId,
          actualsThrough: addSteps(series.start, 'day', series.values.length - 1),
          actualsToBlock: series.toBlock,
          ...totals(scores),
        };
      }),
    runs: scored.slice(0, LISTED_RUNS),
    runsNotListed: Math.max(0, scored.length - LISTED_RUNS),
  };
}
