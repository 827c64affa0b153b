import { dampedTrend } from './m4-benchmarks';
import type { Forecaster, ModelFit } from './forecaster';
import { seasonalIndices, type SeasonalMode } from './seasonality';
import { thetaClassic } from './theta';

/**
 * A forecaster for a second, longer season than the one the data's step implies (the week of hourly data: 168):
 * a classical decomposition with that period (multiplicative for positive data, else additive) removes it, a
 * non-seasonal method forecasts the rest, and the last cycle's indices are put back. The shorter season lies
 * inside the longer one (a day is a seventh of a week), so one decomposition takes both. Less than three cycles
 * of history: the method runs on the series as it is.
 */
export function deseasonalised(
  kind: string,
  seasonPeriod: number,
  forecast: (adjusted: readonly number[], horizon: number) => number[],
): Forecaster {
  return {
    kind,
    fit(history: readonly number[], horizon: number): ModelFit {
      const n = history.length;
      if (n < 3 * seasonPeriod) {
        return { kind, point: forecast(history, horizon), parameters: { seasonPeriod, seasonal: false } };
      }
      const mode: SeasonalMode = history.every((v) => v > 0) ? 'multiplicative' : 'additive';
      const indices = seasonalIndices(history, seasonPeriod, mode);
      const apply = (v: number, t: number, sign: 1 | -1): number => {
        const s = indices[t % seasonPeriod]!;
        if (mode === 'multiplicative') return sign === 1 ? v * s : v / s;
        return sign === 1 ? v + s : v - s;
      };
      const adjusted = history.map((v, t) => apply(v, t, -1));
      const point = forecast(adjusted, horizon).map((v, h) => apply(v, n + h, 1));
      return { kind, point, parameters: { seasonPeriod, seasonal: true, mode, indices } };
    },
  };
}

/** Theta (classical, on the adjusted series) under a long season: {@link deseasonalised}. */
export function thetaWithSeason(seasonPeriod: number): Forecaster {
  return deseasonalised(`theta-s${seasonPeriod}`, seasonPeriod, (x, h) => thetaClassic(x, h).point);
}

/** Damped trend under a long season: {@link deseasonalised}. */
export function dampedWithSeason(seasonPeriod: number): Forecaster {
  return deseasonalised(`damped-s${seasonPeriod}`, seasonPeriod, (x, h) => dampedTrend.fit(x, h, 1).point);
}

/** Seasonal naive at a long season: each step repeats the value one long season earlier. */
export function seasonalNaiveAt(seasonPeriod: number): Forecaster {
  const kind = `seasonal-naive-s${seasonPeriod}`;
  return {
    kind,
    fit(history: readonly number[], horizon: number): ModelFit {
      const n = history.length;
      const lag = n >= seasonPeriod ? seasonPeriod : 1;
      return {
        kind,
        point: Array.from({ length: horizon }, (_, h) => history[n - lag + (h % lag)]!),
        parameters: { lag },
      };
    },
  };
}
