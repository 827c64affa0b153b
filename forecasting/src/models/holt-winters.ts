import { mean } from '../evaluation/metrics';
import type { Forecaster, ModelFit } from './forecaster';
import { nelderMead, squash } from './nelder-mead';
import type { SeasonalMode } from './seasonality';

type Variant = { season: SeasonalMode | 'none'; damped: boolean };

interface Smoothing {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface Run {
  sse: number;
  level: number;
  trend: number;
  season: number[];
}

/**
 * One pass of Holt-Winters over `y` from classical initial states; SSE of the one-step errors. The first season's
 * mean is the trend line's value at that season's centre, so the level before the first value lies
 * `(m + 1) / 2` trend steps earlier, and each initial seasonal index is taken against the line, not the flat mean
 * (against the mean, a trend inside the first season would be read as season and never quite unlearnt).
 */
function run(y: readonly number[], period: number, variant: Variant, p: Smoothing): Run {
  const m = variant.season === 'none' ? 1 : period;
  const firstMean = mean(y.slice(0, m));
  const initialTrend = y.length >= 2 * m ? (mean(y.slice(m, 2 * m)) - firstMean) / m : 0;
  const line = (t: number): number => firstMean + initialTrend * (t - (m - 1) / 2);
  // Multiplicative indices need a positive line; a trend so steep that it leaves the positive range within the
  // first season falls back to the flat mean.
  const anchored = variant.season !== 'multiplicative' || (line(-1) > 0 && line(m - 1) > 0);
  const reference = anchored ? line : (): number => firstMean;
  let level = anchored ? line(-1) : firstMean;
  let trend = initialTrend;
  const season =
    variant.season === 'none'
      ? [0]
      : y
          .slice(0, m)
          .map((v, t) => (variant.season === 'multiplicative' ? v / reference(t) : v - reference(t)));
  const multiplicative = variant.season === 'multiplicative';
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const s = variant.season === 'none' ? (multiplicative ? 1 : 0) : season[t % m]!;
    const base = level + p.phi * trend;
    const fitted = multiplicative ? base * s : base + s;
    const error = y[t]! - fitted;
    sse += error * error;
    const newLevel = p.alpha * (multiplicative ? y[t]! / s : y[t]! - s) + (1 - p.alpha) * base;
    trend = p.beta * (newLevel - level) + (1 - p.beta) * p.phi * trend;
    level = newLevel;
    if (variant.season !== 'none') {
      season[t % m] = multiplicative
        ? p.gamma * (y[t]! / level) + (1 - p.gamma) * s
        : p.gamma * (y[t]! - level) + (1 - p.gamma) * s;
    }
  }
  return { sse, level, trend, season };
}

/** Unconstrained optimiser coordinates → smoothing parameters within the usual admissible region. */
function decode(x: readonly number[], variant: Variant): Smoothing {
  const alpha = squash(x[0]!, 0.001, 0.999);
  const beta = squash(x[1]!, 0.001, 0.999) * alpha;
  const gamma = variant.season === 'none' ? 0 : squash(x[2]!, 0.001, 0.999) * (1 - alpha);
  const phi = variant.damped ? squash(x[3]!, 0.8, 0.98) : 1;
  return { alpha, beta, gamma, phi };
}

function fitVariant(y: readonly number[], period: number, variant: Variant) {
  const objective = (x: readonly number[]): number => run(y, period, variant, decode(x, variant)).sse;
  let best = { x: [0, -1, -1, 0], value: Infinity };
  // Two starts: smoothing parameters converge to different minima on short, noisy series.
  for (const start of [
    [-1, -1.5, -1.5, 1],
    [1, -2.5, -2.5, 2],
  ]) {
    const found = nelderMead(objective, start, { maxEvaluations: 300 });
    if (found.value < best.value) best = found;
  }
  const p = decode(best.x, variant);
  return { p, state: run(y, period, variant, p) };
}

/**
 * Holt-Winters exponential smoothing with a damped trend, additive or multiplicative season (multiplicative only
 * for positive data), parameters by least squares of the one-step errors. The variant with the lowest AIC wins.
 * Less than two seasons of data: damped Holt without a season.
 */
export const holtWinters: Forecaster = {
  kind: 'holt-winters',
  fit(history: readonly number[], horizon: number, period: number): ModelFit {
    const n = history.length;
    const positive = history.every((v) => v > 0);
    const variants: Variant[] =
      period > 1 && n >= 2 * period
        ? [
            { season: 'additive', damped: true },
            ...(positive ? [{ season: 'multiplicative' as const, damped: true }] : []),
          ]
        : [{ season: 'none', damped: true }];
    let chosen: { variant: Variant; p: Smoothing; state: Run; aic: number } | undefined;
    for (const variant of variants) {
      const { p, state } = fitVariant(history, period, variant);
      const k = 3 + (variant.season === 'none' ? 0 : 1 + period);
      const aic = n * Math.log(Math.max(state.sse, 1e-12) / n) + 2 * k;
      if (!chosen || aic < chosen.aic) chosen = { variant, p, state, aic };
    }
    const { variant, p, state } = chosen!;
    const m = variant.season === 'none' ? 1 : period;
    const point: number[] = [];
    let damp = 0;
    for (let h = 1; h <= horizon; h++) {
      damp += p.phi ** h;
      const base = state.level + damp * state.trend;
      const s = variant.season === 'none' ? null : state.season[(n + h - 1) % m]!;
      point.push(s === null ? base : variant.season === 'multiplicative' ? base * s : base + s);
    }
    return {
      kind: this.kind,
      point,
      // `mode` is the chosen variant's season; `season` holds the season's states.
      parameters: {
        mode: variant.season,
        damped: variant.damped,
        ...p,
        level: state.level,
        trend: state.trend,
        season: state.season,
      },
    };
  },
};
