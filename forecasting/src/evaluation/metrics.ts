/**
 * Accuracy measures of the M competitions. MASE scales the forecast's mean absolute error by the in-sample mean
 * absolute error of the seasonal naive forecast, so it compares across series of any size: below 1 beats
 * seasonal naive (on the history's own yardstick).
 */

/** In-sample MAE of the seasonal naive one-step forecast (lag `period`; lag 1 when the history is too short). */
export function seasonalNaiveScale(history: readonly number[], period: number): number {
  const lag = history.length > period ? period : 1;
  let sum = 0;
  for (let t = lag; t < history.length; t++) sum += Math.abs(history[t]! - history[t - lag]!);
  const n = history.length - lag;
  return n > 0 ? sum / n : NaN;
}

/** Mean absolute scaled error of `forecast` against `actual`; NaN when the history has no variation at all. */
export function mase(
  actual: readonly number[],
  forecast: readonly number[],
  history: readonly number[],
  period: number,
): number {
  const scale = seasonalNaiveScale(history, period);
  if (!(scale > 0)) return NaN;
  return mae(actual, forecast) / scale;
}

export function mae(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - forecast[i]!);
  return sum / actual.length;
}

/** Symmetric MAPE in percent (0–200); a step where both are 0 counts as a perfect 0. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    sum += denominator === 0 ? 0 : (200 * Math.abs(a - f)) / denominator;
  }
  return sum / actual.length;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
