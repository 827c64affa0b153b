/**
 * The M4 competition's accuracy measures exactly as its evaluation code defines them (`smape_cal`, `mase_cal` in
 * M4-methods' "Benchmarks and Evaluation.R"): per series the mean over the horizon, per panel the mean over series.
 * No special cases: a 0/0 term of sMAPE, or a history without variation, gives NaN, as it does in R.
 */

/** Symmetric MAPE of one series, in percent: mean of 200 |y - f| / (|y| + |f|). */
export function m4Smape(actual: readonly number[], forecast: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    sum += (200 * Math.abs(a - f)) / (Math.abs(a) + Math.abs(f));
  }
  return sum / actual.length;
}

/** MASE's scale: the mean absolute in-sample difference at lag `period` (1 for none). */
export function m4MaseScale(history: readonly number[], period: number): number {
  let sum = 0;
  for (let t = period; t < history.length; t++) sum += Math.abs(history[t]! - history[t - period]!);
  return sum / (history.length - period);
}

/** Mean absolute scaled error of one series, scaled by {@link m4MaseScale}. */
export function m4Mase(
  history: readonly number[],
  actual: readonly number[],
  forecast: readonly number[],
  period: number,
): number {
  const scale = m4MaseScale(history, period);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - forecast[i]!);
  return sum / actual.length / scale;
}

/** What one method scored on a panel. */
export interface M4Score {
  readonly smape: number;
  readonly mase: number;
  /** Overall weighted average against Naive 2 (M4's ranking measure), when Naive 2's score is given. */
  readonly owa?: number;
}

/** Mean sMAPE and MASE over a panel's series; OWA when `naive2` (Naive 2's score on the same panel) is given. */
export function scoreM4Panel(
  series: readonly { history: readonly number[]; future: readonly number[]; forecast: readonly number[] }[],
  period: number,
  naive2?: { smape: number; mase: number },
): M4Score {
  let smape = 0;
  let mase = 0;
  for (const s of series) {
    smape += m4Smape(s.future, s.forecast) / series.length;
    mase += m4Mase(s.history, s.future, s.forecast, period) / series.length;
  }
  return naive2 ? { smape, mase, owa: 0.5 * (smape / naive2.smape + mase / naive2.mase) } : { smape, mase };
}
