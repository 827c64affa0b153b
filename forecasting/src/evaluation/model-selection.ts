import { ForecastError, ForecastErrorCode } from '../forecast-error';
import type { Forecaster, ModelFit } from '../models/forecaster';
import { holtWinters } from '../models/holt-winters';
import { neuralLag } from '../models/neural-lag';
import { seasonalNaive } from '../models/seasonal-naive';
import { theta } from '../models/theta';
import { mae, mean, seasonalNaiveScale } from './metrics';

/** A candidate: one method, or the mean of several (forecast combination, the M4 lesson). */
export interface Candidate {
  readonly kind: string;
  readonly members: readonly Forecaster[];
}

/** Seasonal naive, Holt-Winters and Theta: the baselines, and the fallbacks when a model misbehaves. */
export const BASELINES: readonly Forecaster[] = [seasonalNaive, holtWinters, theta];

export function single(forecaster: Forecaster): Candidate {
  return { kind: forecaster.kind, members: [forecaster] };
}

export function combination(...members: Forecaster[]): Candidate {
  return { kind: `comb(${members.map((m) => m.kind).join('+')})`, members };
}

/** Provena's candidates: the baselines, the brain.js network, and two combinations. */
export function defaultCandidates(neural: Forecaster = neuralLag()): Candidate[] {
  return [
    ...BASELINES.map(single),
    single(neural),
    combination(theta, holtWinters),
    combination(seasonalNaive, theta),
    combination(seasonalNaive, theta, holtWinters),
    combination(theta, holtWinters, neural),
  ];
}

export interface SelectionOptions {
  readonly horizon: number;
  readonly period: number;
  /** Validation origins, the last one `horizon` steps before the end, each `originSpacing` earlier. */
  readonly validationOrigins: number;
  readonly originSpacing: number;
  /** Prediction interval level (0.8 = 80 %). */
  readonly level: number;
}

export function defaultSelectionOptions(horizon: number, period: number): SelectionOptions {
  return {
    horizon,
    period,
    validationOrigins: 3,
    originSpacing: Math.max(1, Math.round(horizon / 2)),
    level: 0.8,
  };
}

export interface SelectedForecast {
  /** The model that produced `point` (a fallback's kind when the chosen one was refused). */
  readonly kind: string;
  readonly point: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly level: number;
  /**
   * Mean validation MASE per candidate (NaN where a candidate produced an implausible forecast). At an origin whose
   * history repeats its season exactly (or is constant), where MASE would divide by 0, the error is scaled by
   * {@link validationScale} instead.
   */
  readonly validation: Record<string, number>;
  /** Set when the validated choice was not published, and why. */
  readonly fallback: { readonly from: string; readonly reason: string } | null;
  /** What identifies the model: its members' fitted parameters and the selection configuration. */
  readonly model: { kind: string; config: Record<string, unknown>; weights: Record<string, unknown> };
}

function fitCandidate(candidate: Candidate, history: readonly number[], horizon: number, period: number) {
  const fits: ModelFit[] = candidate.members.map((m) => m.fit(history, horizon, period));
  const point = Array.from({ length: horizon }, (_, h) => mean(fits.map((f) => f.point[h]!)));
  return { point, fits };
}

/**
 * Why a forecast must not be published, or null: a non-finite value, or one far outside anything the history
 * has seen (three ranges beyond it), which is what an exploding network or trend looks like.
 */
export function implausible(point: readonly number[], history: readonly number[]): string | null {
  if (point.some((v) => !Number.isFinite(v))) return 'non-finite forecast';
  const low = Math.min(...history);
  const high = Math.max(...history);
  const range = Math.max(high - low, Math.abs(high) * 0.1, 1e-9);
  if (point.some((v) => v > high + 3 * range || v < low - 3 * range)) {
    return 'forecast beyond three ranges of the history';
  }
  return null;
}

/**
 * The yardstick of validation errors at one origin: the seasonal naive in-sample MAE (MASE's), or where that is 0
 * (an exact repeat of the season, a run of zeros before a product's first orders) the naive lag-1 MAE, or 1 for a
 * constant history. Without it every candidate would score NaN there and count as failed.
 */
export function validationScale(train: readonly number[], period: number): number {
  for (const scale of [seasonalNaiveScale(train, period), seasonalNaiveScale(train, 1)]) {
    if (scale > 0) return scale;
  }
  return 1;
}

/** Standard normal quantile for a central interval of `level` (Acklam's rational approximation is overkill here). */
function zFor(level: number): number {
  const table: Record<string, number> = { '0.8': 1.2816, '0.9': 1.6449, '0.95': 1.96 };
  return table[String(level)] ?? 1.2816;
}

/**
 * Chooses a model per series by rolling-origin validation on the history alone: each candidate forecasts the
 * `horizon` after each validation origin, scored by MASE; the lowest mean wins. The winner is refit on the whole
 * history; if its forecast is implausible the best baseline by validation is published instead, and the result
 * says so. Prediction intervals come from the winner's validation errors, pooled up to each step.
 *
 * @throws ForecastError SERIES_TOO_SHORT when the history cannot hold one season plus the horizon.
 */
export function selectAndForecast(
  history: readonly number[],
  options: SelectionOptions,
  candidates: readonly Candidate[] = defaultCandidates(),
): SelectedForecast {
  const { horizon, period } = options;
  const n = history.length;
  if (n < Math.max(period, 4) + horizon) {
    throw new ForecastError(
      ForecastErrorCode.SeriesTooShort,
      `${n} values cannot validate a ${horizon}-step forecast (need at least ${Math.max(period, 4) + horizon})`,
    );
  }
  const origins: number[] = [];
  for (let k = 0; k < options.validationOrigins; k++) {
    const origin = n - horizon - k * options.originSpacing;
    if (origin >= Math.max(period, 4)) origins.push(origin);
  }
  const scores = new Map<string, number>();
  const errors = new Map<string, number[][]>();
  for (const candidate of candidates) {
    const perOrigin: number[] = [];
    const candidateErrors: number[][] = [];
    for (const origin of origins) {
      const train = history.slice(0, origin);
      const actual = history.slice(origin, origin + horizon);
      const { point } = fitCandidate(candidate, train, horizon, period);
      perOrigin.push(implausible(point, train) ? NaN : mae(actual, point) / validationScale(train, period));
      candidateErrors.push(actual.map((a, h) => a - point[h]!));
    }
    scores.set(candidate.kind, perOrigin.some((v) => !Number.isFinite(v)) ? NaN : mean(perOrigin));
    errors.set(candidate.kind, candidateErrors);
  }
  const ranked = [...candidates]
    .filter((c) => Number.isFinite(scores.get(c.kind)))
    .sort((a, b) => scores.get(a.kind)! - scores.get(b.kind)!);
  const baselineKinds = new Set(BASELINES.map((b) => b.kind));
  const bestBaseline = ranked.find((c) => baselineKinds.has(c.kind)) ?? single(seasonalNaive);
  const chosen = ranked[0] ?? bestBaseline;

  let published = chosen;
  let fitted = fitCandidate(chosen, history, horizon, period);
  let fallback: SelectedForecast['fallback'] = null;
  const problem =
    ranked.length === 0 ? 'every candidate failed validation' : implausible(fitted.point, history);
  if (problem) {
    fallback = { from: chosen.kind, reason: problem };
    published = bestBaseline;
    fitted = fitCandidate(bestBaseline, history, horizon, period);
  }

  const z = zFor(options.level);
  const nonNegative = history.every((v) => v >= 0);
  const validationErrors = errors.get(published.kind) ?? [];
  // The running maximum keeps the intervals from narrowing further out: uncertainty does not shrink with the
  // step, even when a few validation errors happen to be smaller at a later step.
  const sigma: number[] = [];
  for (let h = 0; h < horizon; h++) {
    const pooled = validationErrors.flatMap((e) => e.slice(0, h + 1));
    const rms = pooled.length ? Math.sqrt(mean(pooled.map((e) => e * e))) : 0;
    sigma.push(Math.max(rms, sigma[h - 1] ?? 0));
  }
  const floor = (v: number): number => (nonNegative ? Math.max(0, v) : v);
  const point = fitted.point.map(floor);
  return {
    kind: published.kind,
    point,
    lower: point.map((p, h) => floor(p - z * sigma[h]!)),
    upper: point.map((p, h) => p + z * sigma[h]!),
    level: options.level,
    validation: Object.fromEntries(candidates.map((c) => [c.kind, scores.get(c.kind)!])),
    fallback,
    model: {
      kind: published.kind,
      config: { ...options, candidates: candidates.map((c) => c.kind) },
      weights: Object.fromEntries(fitted.fits.map((f) => [f.kind, f.parameters])),
    },
  };
}
