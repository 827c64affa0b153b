import { fitEts, type EtsFit, type EtsSpec } from './ets';
import type { Forecaster, ModelFit } from './forecaster';
import { classicalSeasonal, isSeasonal } from './seasonality';

/**
 * The M4 competition's statistical benchmarks as its own R code computes them (`Benchmarks` in M4-methods'
 * "Benchmarks and Evaluation.R", forecast 8.2): a series whose autocorrelation at the season's lag passes the
 * 90 % test is divided by the seasonal component of a classical multiplicative decomposition over its whole
 * history; the method forecasts the adjusted series; the last season's indices are multiplied back in.
 */
export interface SeasonalAdjustment {
  readonly seasonal: boolean;
  /** The series divided by its seasonal component (the series itself when not seasonal). */
  readonly adjusted: number[];
  /** One season of indices, index `i` for positions `t % period === i` (empty when not seasonal). */
  readonly indices: number[];
  /** Multiplies a forecast of the adjusted series (starting right after the history) by its indices. */
  reseason(forecast: readonly number[]): number[];
}

/** M4's seasonal adjustment of `history` for a forecast after its end. */
export function m4SeasonalAdjustment(history: readonly number[], period: number): SeasonalAdjustment {
  const n = history.length;
  const seasonal = period > 1 && isSeasonal(history, period);
  if (!seasonal) {
    return { seasonal, adjusted: history.slice(), indices: [], reseason: (f) => f.slice() };
  }
  const component = classicalSeasonal(history, period, 'multiplicative');
  const indices = component.slice(0, period);
  return {
    seasonal,
    adjusted: history.map((v, t) => v / component[t]!),
    indices,
    reseason: (f) => f.map((v, h) => v * indices[(n + h) % period]!),
  };
}

const ANN: EtsSpec = { error: 'A', trend: 'N', damped: false, season: 'N' };
const AAN: EtsSpec = { error: 'A', trend: 'A', damped: false, season: 'N' };
const AADN: EtsSpec = { error: 'A', trend: 'A', damped: true, season: 'N' };

/**
 * forecast::ses / holt as M4 calls them: ets(x, "ANN" | "AAN", damped, opt.crit = "mse"). For the rare history
 * too short for the model (R would fall back to HoltWinters without optimisation) the fit is null.
 */
export function smoothingFit(x: readonly number[], method: 'ses' | 'holt' | 'damped'): EtsFit | null {
  const spec = method === 'ses' ? ANN : method === 'holt' ? AAN : AADN;
  return fitEts(x, 1, spec, { optimise: 'mse' });
}

function smoothingForecast(x: readonly number[], method: 'ses' | 'holt' | 'damped', horizon: number) {
  const fit = smoothingFit(x, method);
  const last = x[x.length - 1] ?? 0;
  return {
    point: fit ? fit.forecast(horizon) : Array<number>(horizon).fill(last),
    parameters: fit ? { ...fit.parameters, state: fit.finalState } : { fallback: 'naive' },
  };
}

function benchmark(
  kind: string,
  forecastAdjusted: (x: readonly number[], horizon: number) => { point: number[]; parameters: object },
): Forecaster {
  return {
    kind,
    fit(history: readonly number[], horizon: number, period: number): ModelFit {
      const adjustment = m4SeasonalAdjustment(history, period);
      const { point, parameters } = forecastAdjusted(adjustment.adjusted, horizon);
      return {
        kind,
        point: adjustment.reseason(point),
        parameters: { ...parameters, seasonal: adjustment.seasonal, indices: adjustment.indices },
      };
    },
  };
}

/** M4's Naive 2: the last value of the seasonally adjusted series, reseasonalised. */
export const naive2: Forecaster = benchmark('naive2', (x, horizon) => ({
  point: Array<number>(horizon).fill(x[x.length - 1]!),
  parameters: {},
}));

/** M4's SES benchmark. */
export const ses: Forecaster = benchmark('ses', (x, horizon) => smoothingForecast(x, 'ses', horizon));

/** M4's Holt benchmark (linear trend, not damped). */
export const holt: Forecaster = benchmark('holt', (x, horizon) => smoothingForecast(x, 'holt', horizon));

/** M4's damped trend benchmark. */
export const dampedTrend: Forecaster = benchmark('damped', (x, horizon) =>
  smoothingForecast(x, 'damped', horizon),
);

/** M4's Comb: the equal-weight mean of SES, Holt and damped trend, on the same seasonal adjustment. */
export const comb: Forecaster = benchmark('comb', (x, horizon) => {
  const parts = (['ses', 'holt', 'damped'] as const).map((m) => smoothingForecast(x, m, horizon));
  return {
    point: Array.from(
      { length: horizon },
      (_, h) => (parts[0]!.point[h]! + parts[1]!.point[h]! + parts[2]!.point[h]!) / 3,
    ),
    parameters: { ses: parts[0]!.parameters, holt: parts[1]!.parameters, damped: parts[2]!.parameters },
  };
});
