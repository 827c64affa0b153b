import { ForecastError, ForecastErrorCode } from '../forecast-error';
import { dampedWithSeason, seasonalNaiveAt, thetaWithSeason } from '../models/deseasonalised';
import { ets } from '../models/ets';
import type { Forecaster, ModelFit } from '../models/forecaster';
import { holtWinters } from '../models/holt-winters';
import { dampedTrend, holt, naive2, ses } from '../models/m4-benchmarks';
import { DEFAULT_NEURAL_LAG, trainNeuralLag, type NeuralLagModel } from '../models/neural-lag';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import { intervalBounds, intervalWidths } from './intervals';
import { cleanOutliers } from './outliers';
import { mae, mean, seasonalNaiveScale } from './metrics';

/**
 * Provena's demand model: a robust combination, not a per-series pick of one model.
 *
 * Every member forecasts from several rolling validation origins inside the history. With enough origins
 * (`minSelectionOrigins`) up to `combine` members with the lowest mean validation MASE are averaged, those within
 * `withinBest` of the best; with fewer origins, the median of the core members (Theta, ETS, damped trend and the
 * network) is taken, as nothing supports a choice.
 * The brain.js network is one member among the others: where validation puts it among the best it is averaged with
 * them, which shrinks its departure from the others' combination by (k − 1) / k; wherever its forecast leaves the
 * history's plausible range it is refused. Prediction intervals are conformal: the whole procedure is rerun with
 * each validation origin left out, and its errors there, each relative to the series' local volatility at that
 * origin, scale the intervals by the volatility at the end of the history ({@link intervalWidths}).
 */
/** The name under which the combination itself is scored and reported. */
export const PROVENA = 'provena';

export interface SelectionOptions {
  readonly horizon: number;
  readonly period: number;
  /** Longer seasons beside `period`, e.g. 168 (the week) for hourly data; each adds deseasonalised members. */
  readonly extraPeriods: readonly number[];
  /** Validation origins, the last one `horizon` steps before the end, each `originSpacing` earlier. */
  readonly validationOrigins: number;
  readonly originSpacing: number;
  /** Origins needed before validation may choose members; with fewer, the core median is used. */
  readonly minSelectionOrigins: number;
  /** How many of the best-validated members are averaged, at most. */
  readonly combine: number;
  /** Only members whose mean validation MASE is within this factor of the best one's are averaged. */
  readonly withinBest: number;
  /** Prediction interval level (0.8 = 80 %). */
  readonly level: number;
  /** Whether the brain.js lag network is a member. */
  readonly neural: boolean;
  /** Values this many robust standard deviations off their season are one-off shocks ({@link cleanOutliers}); null: none. */
  readonly outlierThreshold: number | null;
}

/**
 * The measured defaults: six origins half a horizon apart; with four or more, up to three members averaged, each
 * within 1.3 × the best one's validation MASE (on M4's training parts, hourly series have one or two members far
 * ahead of the rest, weekly ones several close together).
 */
export function defaultSelectionOptions(
  horizon: number,
  period: number,
  extraPeriods: readonly number[] = [],
): SelectionOptions {
  return {
    horizon,
    period,
    extraPeriods: [...extraPeriods],
    validationOrigins: 6,
    originSpacing: Math.max(1, Math.round(horizon / 2)),
    minSelectionOrigins: 4,
    combine: 3,
    withinBest: 1.3,
    level: 0.8,
    neural: true,
    outlierThreshold: 8,
  };
}

/** The network's kind. */
export const NEURAL = 'neural-lag';
const CORE = ['theta', 'ets', 'damped'] as const;

/**
 * The classical members for a season `period` and any longer seasons (seasonal naive only with a season: without
 * one it is Naive 2, and would count twice in an average).
 */
export function classicalMembers(period: number, extraPeriods: readonly number[] = []): Forecaster[] {
  return [
    theta,
    ets,
    dampedTrend,
    ses,
    holt,
    naive2,
    ...(period > 1 ? [seasonalNaive] : []),
    holtWinters,
    ...extraPeriods.flatMap((p) => [thetaWithSeason(p), dampedWithSeason(p), seasonalNaiveAt(p)]),
  ];
}

export interface SelectedForecast {
  /** What produced `point`: `comb(a+b+c)` (validated members averaged), `median(...)` (core) or a fallback. */
  readonly kind: string;
  readonly point: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly level: number;
  /**
   * Mean validation MASE per member (NaN where a member failed or was refused at an origin), and under
   * {@link PROVENA} the combination's own, each origin scored by a combination chosen without it. At an origin
   * whose history repeats its season exactly, where MASE would divide by 0, {@link validationScale} is used.
   */
  readonly validation: Record<string, number>;
  /** Set when no member could be used and seasonal naive was published instead, and why. */
  readonly fallback: { readonly from: string; readonly reason: string } | null;
  /** Members refused on the whole history, and why. */
  readonly refused: { readonly member: string; readonly reason: string }[];
  /** The range every published value was checked against. */
  readonly plausible: { readonly low: number; readonly high: number };
  /** What identifies the model: its members' fitted parameters and the configuration. */
  readonly model: { kind: string; config: Record<string, unknown>; weights: Record<string, unknown> };
  /**
   * What the intervals were calibrated on: the combination's own errors (actual − point) at each validation origin
   * it was scored at with that origin left out, and where in the history each of those forecasts started. Not
   * published; `npm run bench:intervals` records them to re-apply a changed interval rule without refitting.
   */
  readonly calibration: {
    readonly errors: readonly (readonly number[])[];
    readonly origins: readonly number[];
  };
}

/**
 * The range a forecast of `history` may fall in: one range of the history beyond its minimum and maximum (a tenth
 * of the level for a flat history), and never below 0 for a history that never was. Wide enough for any trend the
 * history itself shows over the horizon; an exploding network or trend leaves it.
 */
export function plausibleRange(history: readonly number[]): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const v of history) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const range = Math.max(high - low, 0.1 * Math.max(Math.abs(high), Math.abs(low)), 1e-9);
  return { low: low >= 0 ? Math.max(0, low - range) : low - range, high: high + range };
}

/** Why `point` must not be used for `history`, or null: a non-finite value, or one outside the plausible range. */
export function implausible(point: readonly number[], history: readonly number[]): string | null {
  if (point.some((v) => !Number.isFinite(v))) return 'non-finite forecast';
  const { low, high } = plausibleRange(history);
  if (point.some((v) => v < low || v > high)) return 'forecast outside the plausible range of the history';
  return null;
}

/**
 * The yardstick of validation errors at one origin: the seasonal naive in-sample MAE (MASE's), or where that is 0
 * (an exact repeat of the season, a run of zeros before a product's first orders) the naive lag-1 MAE, or 1 for a
 * constant history.
 */
export function validationScale(train: readonly number[], period: number): number {
  for (const scale of [seasonalNaiveScale(train, period), seasonalNaiveScale(train, 1)]) {
    if (scale > 0) return scale;
  }
  return 1;
}

/** Pointwise median of equally long forecasts. */
export function pointwiseMedian(forecasts: readonly (readonly number[])[]): number[] {
  return forecasts[0]!.map((_, h) => {
    const values = forecasts.map((f) => f[h]!).sort((a, b) => a - b);
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
  });
}

function pointwiseMean(forecasts: readonly (readonly number[])[]): number[] {
  return forecasts[0]!.map((_, h) => mean(forecasts.map((f) => f[h]!)));
}

/** Every member's forecast at one origin (null where it failed or was refused) and the errors to score it by. */
interface OriginForecasts {
  readonly origin: number;
  readonly actual: number[];
  readonly scale: number;
  readonly forecasts: Map<string, number[] | null>;
}

/** The combination rule, given member forecasts and validation scores over some origins. */
function combine(
  forecasts: ReadonlyMap<string, number[] | null>,
  scores: ReadonlyMap<string, number>,
  origins: number,
  options: SelectionOptions,
): { kind: string; members: string[]; point: number[] } | null {
  const usable = [...forecasts].filter((entry): entry is [string, number[]] => entry[1] !== null);
  if (usable.length === 0) return null;
  if (origins >= options.minSelectionOrigins) {
    const sorted = usable
      .filter(([kind]) => Number.isFinite(scores.get(kind)))
      .sort((a, b) => scores.get(a[0])! - scores.get(b[0])!);
    const best = sorted.length > 0 ? scores.get(sorted[0]![0])! : NaN;
    const ranked = sorted
      .filter(([kind]) => scores.get(kind)! <= options.withinBest * best)
      .slice(0, options.combine);
    if (ranked.length > 0) {
      return {
        kind: `comb(${ranked.map(([k]) => k).join('+')})`,
        members: ranked.map(([k]) => k),
        point: pointwiseMean(ranked.map(([, f]) => f)),
      };
    }
  }
  const core = usable.filter(([kind]) => (CORE as readonly string[]).includes(kind) || kind === NEURAL);
  const chosen = core.length > 0 ? core : usable;
  return {
    kind: `median(${chosen.map(([k]) => k).join('+')})`,
    members: chosen.map(([k]) => k),
    point: pointwiseMedian(chosen.map(([, f]) => f)),
  };
}

/** Mean validation MASE of each member over `origins` (NaN for a member that failed at any of them). */
function scoresOver(origins: readonly OriginForecasts[], kinds: readonly string[]): Map<string, number> {
  return new Map(
    kinds.map((kind) => {
      const errors = origins.map((o) => {
        const f = o.forecasts.get(kind);
        return f ? mae(o.actual, f) / o.scale : NaN;
      });
      return [kind, errors.every(Number.isFinite) && errors.length > 0 ? mean(errors) : NaN];
    }),
  );
}

/**
 * Forecasts a demand series with Provena's combination (see the module comment) and conformal intervals.
 *
 * @example
 * ```ts
 * const f = selectAndForecast(ordersPerDay, defaultSelectionOptions(14, 7));
 * // f.kind 'comb(ets+theta+holt-winters)', f.point, f.lower / f.upper (80 %), f.validation.provena
 * ```
 * @throws ForecastError SERIES_TOO_SHORT when the history cannot hold one season plus the horizon.
 */
export function selectAndForecast(
  history: readonly number[],
  options: SelectionOptions,
  members: readonly Forecaster[] = classicalMembers(options.period, options.extraPeriods),
): SelectedForecast {
  const { horizon, period } = options;
  const n = history.length;
  const minimum = Math.max(period, 4) + horizon;
  if (n < minimum) {
    throw new ForecastError(
      ForecastErrorCode.SeriesTooShort,
      `${n} values cannot validate a ${horizon}-step forecast (need at least ${minimum})`,
    );
  }
  const originIndices: number[] = [];
  for (let k = options.validationOrigins - 1; k >= 0; k--) {
    const origin = n - horizon - k * options.originSpacing;
    if (origin >= Math.max(period, 4)) originIndices.push(origin);
  }
  const kinds = [...members.map((m) => m.kind), ...(options.neural ? [NEURAL] : [])];
  // Members fit a history whose one-off shocks are replaced; forecasts are judged against the raw one.
  const clean = (train: readonly number[]): number[] =>
    options.outlierThreshold === null
      ? train.slice()
      : cleanOutliers(train, period, options.outlierThreshold).cleaned;
  const fitMembers = (
    train: readonly number[],
  ): { forecasts: Map<string, number[] | null>; fits: ModelFit[] } => {
    const forecasts = new Map<string, number[] | null>();
    const fits: ModelFit[] = [];
    const cleaned = clean(train);
    for (const member of members) {
      let point: number[] | null = null;
      try {
        const fit = member.fit(cleaned, horizon, period);
        fits.push(fit);
        point = implausible(fit.point, train) ? null : fit.point;
      } catch {
        point = null;
      }
      forecasts.set(member.kind, point);
    }
    return { forecasts, fits };
  };
  let network: NeuralLagModel | null = null;
  if (options.neural && originIndices.length > 0) {
    network = trainNeuralLag(clean(history.slice(0, originIndices[0])), horizon, period, DEFAULT_NEURAL_LAG);
  }
  const origins: OriginForecasts[] = originIndices.map((origin) => {
    const train = history.slice(0, origin);
    const { forecasts } = fitMembers(train);
    if (options.neural) {
      const net = network?.forecast(clean(train));
      forecasts.set(NEURAL, net && !implausible(net, train) ? net : null);
    }
    return {
      origin,
      actual: history.slice(origin, origin + horizon),
      scale: validationScale(train, period),
      forecasts,
    };
  });

  // The combination's own errors: at each origin, the rule applied with that origin left out.
  const residuals: number[][] = [];
  const residualOrigins: number[] = [];
  const provenaErrors: number[] = [];
  for (let j = 0; j < origins.length; j++) {
    const others = origins.filter((_, k) => k !== j);
    const rule = combine(origins[j]!.forecasts, scoresOver(others, kinds), others.length, options);
    if (!rule) continue;
    residuals.push(origins[j]!.actual.map((a, h) => a - rule.point[h]!));
    residualOrigins.push(origins[j]!.origin);
    provenaErrors.push(mae(origins[j]!.actual, rule.point) / origins[j]!.scale);
  }

  const scores = scoresOver(origins, kinds);
  const final = fitMembers(history);
  const refused: { member: string; reason: string }[] = [];
  for (const fit of final.fits) {
    const reason = implausible(fit.point, history);
    if (reason) refused.push({ member: fit.kind, reason });
  }
  for (const member of members) {
    if (!final.fits.some((f) => f.kind === member.kind))
      refused.push({ member: member.kind, reason: 'fit failed' });
  }
  const weights: Record<string, unknown> = {};
  if (options.neural) {
    const cleaned = clean(history);
    const finalNetwork = trainNeuralLag(cleaned, horizon, period, DEFAULT_NEURAL_LAG);
    const raw = finalNetwork.forecast(cleaned);
    const reason = implausible(raw, history);
    if (reason) refused.push({ member: NEURAL, reason });
    final.forecasts.set(NEURAL, reason ? null : raw);
    weights[NEURAL] = finalNetwork.parameters;
  }
  const rule = combine(final.forecasts, scores, origins.length, options);
  const range = plausibleRange(history);
  let kind: string;
  let point: number[];
  let fallback: SelectedForecast['fallback'] = null;
  if (rule) {
    kind = rule.kind;
    point = rule.point;
    for (const fit of final.fits) if (rule.members.includes(fit.kind)) weights[fit.kind] = fit.parameters;
    if (!rule.members.includes(NEURAL)) delete weights[NEURAL];
  } else {
    const naive = seasonalNaive.fit(history, horizon, period);
    fallback = { from: PROVENA, reason: 'every member failed or was refused' };
    kind = naive.kind;
    point = naive.point;
    weights[naive.kind] = naive.parameters;
  }
  // Members are inside the range, so is their mean or median; clamping only guards rounding.
  point = point.map((v) => Math.min(range.high, Math.max(range.low, v)));
  const widths = intervalWidths(residuals, options.level, horizon, history, period, residualOrigins);
  const validation: Record<string, number> = Object.fromEntries(kinds.map((k) => [k, scores.get(k)!]));
  validation[PROVENA] = provenaErrors.length > 0 ? mean(provenaErrors) : NaN;
  return {
    kind,
    point,
    ...intervalBounds(point, widths, history),
    level: options.level,
    validation,
    fallback,
    refused,
    plausible: range,
    calibration: { errors: residuals, origins: residualOrigins },
    model: {
      kind,
      config: {
        ...options,
        extraPeriods: [...options.extraPeriods],
        members: kinds,
        origins: originIndices.length,
      },
      weights,
    },
  };
}
