import type { Forecaster, ModelFit } from './forecaster';

/** Each step repeats the value one season earlier; the naive forecast when there is less than a season. */
export const seasonalNaive: Forecaster = {
  kind: 'seasonal-naive',
  fit(history: readonly number[], horizon: number, period: number): ModelFit {
    const n = history.length;
    const lag = n >= period ? period : 1;
    const point = Array.from({ length: horizon }, (_, h) => history[n - lag + (h % lag)]!);
    return { kind: this.kind, point, parameters: { lag } };
  },
};
