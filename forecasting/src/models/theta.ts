import type { Forecaster, ModelFit } from './forecaster';
import { applySeason, isSeasonal, seasonalIndices, type SeasonalMode } from './seasonality';

/** Simple exponential smoothing's final level and one-step SSE for a given alpha (level starts at the first value). */
function ses(x: readonly number[], alpha: number): { level: number; sse: number } {
  let level = x[0]!;
  let sse = 0;
  for (let t = 1; t < x.length; t++) {
    const e = x[t]! - level;
    sse += e * e;
    level += alpha * e;
  }
  return { level, sse };
}

/** Alpha minimising the SES one-step SSE: a coarse grid, then golden-section search around its best point. */
export function bestSesAlpha(x: readonly number[]): number {
  let best = 0.1;
  let bestSse = Infinity;
  for (let a = 0.05; a < 1; a += 0.05) {
    const { sse } = ses(x, a);
    if (sse < bestSse) [best, bestSse] = [a, sse];
  }
  let low = Math.max(0.001, best - 0.05);
  let high = Math.min(0.999, best + 0.05);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 30; i++) {
    const a = high - g * (high - low);
    const b = low + g * (high - low);
    if (ses(x, a).sse < ses(x, b).sse) high = b;
    else low = a;
  }
  return (low + high) / 2;
}

/** Seasons that seasonal indices are estimated from. */
export const RECENT_SEASONS = 4;

/** Indices estimated on a window starting at `offset`, re-indexed to positions of the whole history. */
export function rephase(indices: readonly number[], offset: number): number[] {
  const period = indices.length;
  return indices.map((_, i) => indices[(((i - offset) % period) + period) % period]!);
}

/** Slope of the least-squares line through (t, x[t]). */
export function linearSlope(x: readonly number[]): number {
  const n = x.length;
  const tMean = (n - 1) / 2;
  let xMean = 0;
  for (const v of x) xMean += v / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tMean) * (x[t]! - xMean);
    den += (t - tMean) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/**
 * The Theta method as the M3 winner and the M4 benchmark run it: seasonally adjust by classical decomposition when
 * the season is significant, forecast with SES plus half the linear trend's slope (the theta = 2 line's
 * extrapolation averaged with the theta = 0 line), then restore the season.
 */
export const theta: Forecaster = {
  kind: 'theta',
  fit(history: readonly number[], horizon: number, period: number): ModelFit {
    const n = history.length;
    const seasonal = isSeasonal(history, period);
    const mode: SeasonalMode = history.every((v) => v > 0) ? 'multiplicative' : 'additive';
    // Seasonal patterns drift (airline schedules, shop hours): indices come from the recent seasons only, phased
    // back so index 0 belongs to the history's first value.
    const recent = Math.max(0, n - RECENT_SEASONS * period);
    const indices = seasonal ? rephase(seasonalIndices(history.slice(recent), period, mode), recent) : [];
    const x = seasonal ? applySeason(history, indices, mode, 0, -1) : history.slice();
    const alpha = n > 1 ? bestSesAlpha(x) : 1;
    const { level } = ses(x, alpha);
    const drift = n > 2 ? linearSlope(x) / 2 : 0;
    const adjusted = Array.from(
      { length: horizon },
      (_, h) => level + drift * (h + (1 - (1 - alpha) ** n) / alpha),
    );
    const point = seasonal ? applySeason(adjusted, indices, mode, n, 1) : adjusted;
    return {
      kind: this.kind,
      point,
      parameters: { alpha, level, drift, seasonal, mode, indices },
    };
  },
};
