import { fitEts, lineFit } from './ets';
import type { Forecaster, ModelFit } from './forecaster';
import { m4SeasonalAdjustment } from './m4-benchmarks';

/**
 * The classical Theta method on an already seasonally adjusted series (`Theta.classic` in M4's benchmark code):
 * the theta = 0 line is the least-squares line through the series, the theta = 2 line doubles the series' distance
 * from it; SES (fitted by MSE, as forecast::ses does) extrapolates the theta = 2 line, the line itself
 * extrapolates the theta = 0 line, and the forecast is their mean, floored at 0.
 */
export function thetaClassic(x: readonly number[], horizon: number) {
  const n = x.length;
  const { intercept, slope } = lineFit(x);
  const line = (t: number): number => intercept + slope * t;
  const theta2 = x.map((v, t) => 2 * v - line(t + 1));
  const fit = fitEts(theta2, 1, { error: 'A', trend: 'N', damped: false, season: 'N' }, { optimise: 'mse' });
  const sesLevel = fit ? fit.finalState[0]! : theta2[n - 1]!;
  const point = Array.from({ length: horizon }, (_, h) =>
    Math.max(0, 0.5 * sesLevel + 0.5 * line(n + h + 1)),
  );
  return { point, parameters: { intercept, slope, alpha: fit?.parameters.alpha ?? 1, level: sesLevel } };
}

/**
 * The standard Theta method (Assimakopoulos & Nikolopoulos 2000, the M3 winner) exactly as the M4 benchmark runs
 * it: seasonality tested at 90 % on the autocorrelation at the season's lag, a classical multiplicative
 * decomposition over the whole history removed, {@link thetaClassic} on the adjusted series, the last season's
 * indices multiplied back in.
 */
export const theta: Forecaster = {
  kind: 'theta',
  fit(history: readonly number[], horizon: number, period: number): ModelFit {
    const adjustment = m4SeasonalAdjustment(history, period);
    const { point, parameters } = thetaClassic(adjustment.adjusted, horizon);
    return {
      kind: 'theta',
      point: adjustment.reseason(point),
      parameters: { ...parameters, seasonal: adjustment.seasonal, indices: adjustment.indices },
    };
  },
};
