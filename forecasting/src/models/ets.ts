import type { Forecaster, ModelFit } from './forecaster';
import { nelderMeadR } from './nelder-mead';
import { classicalSeasonal, type SeasonalMode } from './seasonality';

/**
 * Exponential smoothing state space models (ETS, Hyndman et al. 2002, 2008) as R's forecast::ets fits them:
 * the same state equations, initial states, starting parameters, bounds and admissibility tests, the same
 * Nelder–Mead path, and automatic choice by AICc. Multiplicative trends are left out, as forecast::ets leaves
 * them out by default (`allow.multiplicative.trend = FALSE`).
 */

export type EtsError = 'A' | 'M';
export type EtsTrend = 'N' | 'A';
export type EtsSeason = 'N' | 'A' | 'M';

/** One ETS model: error, trend (damped or not) and season. */
export interface EtsSpec {
  readonly error: EtsError;
  readonly trend: EtsTrend;
  readonly damped: boolean;
  readonly season: EtsSeason;
}

/** `ETS(M,Ad,N)` and the like, as R names them. */
export function etsName(spec: EtsSpec): string {
  return `ETS(${spec.error},${spec.trend}${spec.damped ? 'd' : ''},${spec.season})`;
}

export interface EtsParameters {
  readonly alpha: number;
  /** 0 without a trend. */
  readonly beta: number;
  /** 0 without a season. */
  readonly gamma: number;
  /** 1 unless damped. */
  readonly phi: number;
}

/** A fitted ETS model. */
export interface EtsFit {
  readonly spec: EtsSpec;
  readonly name: string;
  /** Season length the model uses (1 without a season). */
  readonly period: number;
  readonly parameters: EtsParameters;
  /** Initial states: level, trend (if any), then seasonal states s0 (most recent) ... s(m-1), as R orders them. */
  readonly initialState: number[];
  /** States after the last value, same order. */
  readonly finalState: number[];
  /** -2 log-likelihood up to a constant: n log(SSE) (+ 2 Σ log|fitted| for multiplicative errors), as R's etscalc. */
  readonly lik: number;
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
  /** Mean squared one-step error on the data's scale. */
  readonly mse: number;
  /** One-step errors: additive (y − fitted), or relative ((y − fitted) / fitted) for multiplicative errors. */
  readonly residuals: number[];
  /** Point forecasts 1..h steps ahead. */
  forecast(horizon: number): number[];
}

/** Options of {@link fitEts}; defaults are forecast::ets's. */
export interface EtsOptions {
  /** What the optimiser minimises: the likelihood (ets's default) or the one-step MSE (ses, holt). */
  readonly optimise?: 'lik' | 'mse';
  readonly maxit?: number;
}

const LOWER = [0.0001, 0.0001, 0.0001, 0.8] as const;
const UPPER = [0.9999, 0.9999, 0.9999, 0.98] as const;
const TOL = 1e-10;
const HUGEN = 1e10;

interface Pass {
  lik: number;
  sse: number;
  e: Float64Array;
  level: number;
  trend: number;
  /** Seasonal states in time order: `chron[(t) % m]` is the index for time t. */
  chron: Float64Array;
}

/**
 * One pass of the state equations over `y` (R's `etscalc`). `state` is [l, b?, s0..s(m-1)]; the season used for
 * the first value is s(m-1), the oldest.
 */
function etsPass(
  y: ArrayLike<number>,
  m: number,
  state: readonly number[],
  spec: EtsSpec,
  p: EtsParameters,
  keepErrors: boolean,
): Pass {
  const n = y.length;
  const hasTrend = spec.trend !== 'N';
  const season = spec.season;
  const multiplicativeError = spec.error === 'M';
  let l = state[0]!;
  let b = hasTrend ? state[1]! : 0;
  const chron = new Float64Array(season === 'N' ? 1 : m);
  if (season !== 'N') {
    const first = hasTrend ? 2 : 1;
    for (let k = 0; k < m; k++) chron[k] = state[first + m - 1 - k]!;
  }
  const e = new Float64Array(keepErrors ? n : 0);
  const { alpha, beta, gamma, phi } = p;
  const ratio = beta / alpha;
  let sse = 0;
  let sumE2 = 0;
  let sumLogF = 0;
  for (let i = 0; i < n; i++) {
    const slot = season === 'N' ? 0 : i % m;
    const s = chron[slot]!;
    const phib = hasTrend ? phi * b : 0;
    const q = l + phib;
    let f = q;
    if (season === 'A') f = q + s;
    else if (season === 'M') f = q * s;
    const yi = y[i]!;
    const err = multiplicativeError ? (yi - f) / f : yi - f;
    if (keepErrors) e[i] = err;
    sse += (yi - f) * (yi - f);
    sumE2 += err * err;
    if (multiplicativeError) sumLogF += Math.log(Math.abs(f));
    let pv: number;
    if (season === 'N') pv = yi;
    else if (season === 'A') pv = yi - s;
    else pv = Math.abs(s) < TOL ? HUGEN : yi / s;
    const oldl = l;
    l = q + alpha * (pv - q);
    if (hasTrend) b = phib + ratio * (l - oldl - phib);
    if (season !== 'N') {
      const t = season === 'A' ? yi - q : Math.abs(q) < TOL ? HUGEN : yi / q;
      chron[slot] = s + gamma * (t - s);
    }
  }
  let lik = n * Math.log(sumE2);
  if (multiplicativeError) lik += 2 * sumLogF;
  return { lik, sse, e, level: l, trend: b, chron };
}

/** Point forecasts from the states after `n` values (R's `etsforecast`). */
function forecastFrom(
  pass: Pass,
  n: number,
  m: number,
  spec: EtsSpec,
  phi: number,
  horizon: number,
): number[] {
  const out: number[] = [];
  let phistar = phi;
  for (let i = 0; i < horizon; i++) {
    let f = spec.trend === 'N' ? pass.level : pass.level + phistar * pass.trend;
    if (spec.season !== 'N') {
      const s = pass.chron[(n + i) % m]!;
      f = spec.season === 'A' ? f + s : f * s;
    }
    out.push(f);
    phistar += Math.abs(phi - 1) < TOL ? 1 : phi ** (i + 2);
  }
  return out;
}

/** Final states in R's order [l, b?, s0 (most recent)..s(m-1)]. */
function stateOf(pass: Pass, n: number, m: number, spec: EtsSpec): number[] {
  const out = [pass.level];
  if (spec.trend !== 'N') out.push(pass.trend);
  if (spec.season !== 'N') for (let k = 0; k < m; k++) out.push(pass.chron[(n - 1 - k + m * n) % m]!);
  return out;
}

/** Least squares coefficients of y on the columns of `x` (normal equations; small, well-conditioned designs). */
function leastSquares(x: readonly (readonly number[])[], y: readonly number[]): number[] {
  const k = x[0]!.length;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let r = 0; r < y.length; r++) {
    const row = x[r]!;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i]![j]! += row[i]! * row[j]!;
      a[i]![k]! += row[i]! * y[r]!;
    }
  }
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const d = a[c]![c]!;
    if (d === 0) continue;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const factor = a[r]![c]! / d;
      for (let j = c; j <= k; j++) a[r]![j]! -= factor * a[c]![j]!;
    }
  }
  return a.map((row, i) => (row[i] === 0 ? 0 : row[k]! / row[i]!));
}

/** Intercept and slope of the least-squares line through (1, y0), (2, y1), ... (R's `lsfit(1:n, y)`). */
export function lineFit(y: readonly number[]): { intercept: number; slope: number } {
  const n = y.length;
  const tMean = (n + 1) / 2;
  let yMean = 0;
  for (const v of y) yMean += v / n;
  let num = 0;
  let den = 0;
  for (let t = 1; t <= n; t++) {
    num += (t - tMean) * (y[t - 1]! - yMean);
    den += (t - tMean) ** 2;
  }
  const slope = den > 0 ? num / den : 0;
  return { intercept: yMean - slope * tMean, slope };
}

/** Initial states as R's `initstate` computes them: decomposition (or a Fourier fit when short), then a line. */
function initialState(y: readonly number[], m: number, spec: EtsSpec): number[] {
  const n = y.length;
  let seas: number[] = [];
  let adjusted = y.slice();
  if (spec.season !== 'N') {
    let seasonal: number[];
    if (n < 3 * m) {
      // tslm(y ~ trend + fourier(y, 1)): only the trend's coefficients are used.
      const rows = y.map((_, t) => {
        const time = t + 1;
        const row = [1, time];
        if (m !== 2) row.push(Math.sin((2 * Math.PI * time) / m));
        row.push(Math.cos((2 * Math.PI * time) / m));
        return row;
      });
      const coef = leastSquares(rows, y);
      seasonal = y.map((v, t) => {
        const line = coef[0]! + coef[1]! * (t + 1);
        return spec.season === 'A' ? v - line : v / line;
      });
    } else {
      const mode: SeasonalMode = spec.season === 'A' ? 'additive' : 'multiplicative';
      seasonal = classicalSeasonal(y, m, mode);
    }
    seas = seasonal.slice(1, m).reverse();
    if (spec.season === 'A') {
      adjusted = y.map((v, t) => v - seasonal[t]!);
    } else {
      seas = seas.map((s) => Math.max(s, 0.01));
      const sum = seas.reduce((a, s) => a + s, 0);
      if (sum > m) {
        const scale = seas.reduce((a, s) => a + s + 0.01, 0);
        seas = seas.map((s) => s / scale);
      }
      adjusted = y.map((v, t) => v / Math.max(seasonal[t]!, 0.01));
    }
  }
  const maxn = Math.min(Math.max(10, 2 * (spec.season === 'N' ? 1 : m)), n);
  const head = adjusted.slice(0, maxn);
  if (spec.trend === 'N') return [head.reduce((a, v) => a + v, 0) / maxn, ...seas];
  let { intercept: l0, slope: b0 } = lineFit(head);
  if (Math.abs(l0 + b0) < 1e-8) {
    l0 *= 1 + 1e-3;
    b0 *= 1 - 1e-3;
  }
  return [l0, b0, ...seas];
}

/**
 * Whether every root of the monic polynomial `c[0] z^d + ... + c[d]` (c[0] = 1) has modulus at most 1 + 1e-10, the
 * test R applies to the roots it finds (`max(abs(polyroot(P))) > 1 + 1e-10` is inadmissible). Here without finding
 * them: a root at exactly 1 (every undamped seasonal model has one) is divided out, the rest is scaled by
 * 1 + 1e-10 and put through the Schur–Cohn step-down recursion, O(d²).
 */
export function rootsWithinUnitCircle(coefficients: readonly number[]): boolean {
  let c = coefficients.slice();
  const atOne = c.reduce((a, v) => a + v, 0);
  const size = c.reduce((a, v) => a + Math.abs(v), 0);
  if (Math.abs(atOne) <= 1e-12 * size && c.length > 1) {
    // Synthetic division by (z - 1).
    const quotient = [c[0]!];
    for (let i = 1; i < c.length - 1; i++) quotient.push(c[i]! + quotient[i - 1]!);
    c = quotient;
  }
  const r = 1 + 1e-10;
  c = c.map((v, i) => v / r ** i);
  while (c.length > 1) {
    const d = c.length - 1;
    const k = c[d]! / c[0]!;
    if (!(Math.abs(k) < 1)) return false;
    const next: number[] = [];
    for (let i = 0; i < d; i++) next.push((c[i]! - k * c[d - i]!) / (1 - k * k));
    c = next;
  }
  return true;
}

/** R's admissibility test of the parameters (bounds "both": usual bounds, then the stability region). */
function admissible(p: EtsParameters, spec: EtsSpec, m: number): boolean {
  const { alpha, gamma, phi } = p;
  let beta = p.beta;
  if (phi < 0 || phi > 1 + 1e-8) return false;
  if (spec.season === 'N') {
    if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return false;
    if (spec.trend !== 'N' && (beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha))) return false;
    return true;
  }
  if (m <= 1) return true;
  if (spec.trend === 'N') beta = 0;
  const d = 1 - 1 / phi - alpha;
  if (gamma < Math.max(d, 0) || gamma > 1 + 1 / phi - alpha) return false;
  if (alpha < 1 - 1 / phi - (gamma * (1 - m + phi + phi * m)) / (2 * phi * m)) return false;
  if (beta < -(1 - phi) * (gamma / m + alpha)) return false;
  const poly = [1, alpha + beta - phi];
  for (let i = 0; i < m - 2; i++) poly.push(alpha + beta - alpha * phi);
  poly.push(alpha + beta - alpha * phi + gamma - 1, phi * (1 - alpha - gamma));
  return rootsWithinUnitCircle(poly);
}

/**
 * Fits one ETS model as forecast::ets(y, model, opt.crit) does: parameters and initial states optimised together
 * by R's Nelder–Mead from R's starting values. Returns null where R gives the model an infinite AIC (more
 * parameters than the data can carry).
 */
export function fitEts(
  y: readonly number[],
  period: number,
  spec: EtsSpec,
  options: EtsOptions = {},
): EtsFit | null {
  const optimise = options.optimise ?? 'lik';
  const m = spec.season === 'N' ? 1 : period;
  const hasTrend = spec.trend !== 'N';
  const hasSeason = spec.season !== 'N';
  const alpha0 = LOWER[0] + (0.2 * (UPPER[0] - LOWER[0])) / m;
  const start: number[] = [alpha0];
  if (hasTrend) {
    const upper = Math.min(UPPER[1], alpha0);
    start.push(LOWER[1] + 0.1 * (upper - LOWER[1]));
  }
  if (hasSeason) {
    const upper = Math.min(UPPER[2], 1 - alpha0);
    start.push(LOWER[2] + 0.05 * (upper - LOWER[2]));
  }
  if (spec.damped) start.push(LOWER[3] + 0.99 * (UPPER[3] - LOWER[3]));
  const nParams = start.length;
  const init = initialState(y, m, spec);
  start.push(...init);
  const np = start.length;
  if (np >= y.length - 1) return null;
  const yy = Float64Array.from(y);

  const decode = (x: readonly number[]): EtsParameters => {
    let j = 0;
    const alpha = x[j++]!;
    const beta = hasTrend ? x[j++]! : 0;
    const gamma = hasSeason ? x[j++]! : 0;
    const phi = spec.damped ? x[j++]! : 1;
    return { alpha, beta, gamma, phi };
  };
  const fullState = (x: readonly number[]): number[] => {
    const state = x.slice(nParams);
    if (hasSeason) {
      let sum = 0;
      for (let i = hasTrend ? 2 : 1; i < state.length; i++) sum += state[i]!;
      state.push((spec.season === 'M' ? m : 0) - sum);
    }
    return state;
  };
  const inBounds = (p: EtsParameters): boolean => {
    if (p.alpha < LOWER[0] || p.alpha > UPPER[0]) return false;
    if (hasTrend && (p.beta < LOWER[1] || p.beta > p.alpha || p.beta > UPPER[1])) return false;
    if (spec.damped && (p.phi < LOWER[3] || p.phi > UPPER[3])) return false;
    if (hasSeason && (p.gamma < LOWER[2] || p.gamma > 1 - p.alpha || p.gamma > UPPER[2])) return false;
    return admissible(p, spec, m);
  };
  const objective = (x: readonly number[]): number => {
    const p = decode(x);
    if (!inBounds(p)) return Infinity;
    const state = fullState(x);
    if (spec.season === 'M') {
      for (let i = hasTrend ? 2 : 1; i < state.length; i++) if (state[i]! < 0) return Infinity;
    }
    const pass = etsPass(yy, m, state, spec, p, false);
    if (optimise === 'mse') return pass.sse / y.length;
    let lik = pass.lik;
    if (lik < -1e10) lik = -1e10;
    return Number.isNaN(lik) ? Infinity : lik;
  };
  const found = nelderMeadR(objective, start, { maxit: options.maxit ?? 2000 });
  const parameters = decode(found.x);
  const state = fullState(found.x);
  const pass = etsPass(yy, m, state, spec, parameters, true);
  const n = y.length;
  const k = np + 1;
  const lik = pass.lik;
  const aic = lik + 2 * k;
  let sumE2 = 0;
  for (const v of pass.e) sumE2 += v * v;
  // As ets() reports it: residual variance over n minus the optimised values.
  const sigma2 = sumE2 / (n - np);
  return {
    spec,
    name: etsName(spec),
    period: m,
    parameters,
    initialState: state,
    finalState: stateOf(pass, n, m, spec),
    lik,
    aic,
    aicc: aic + (2 * k * (k + 1)) / (n - k - 1),
    bic: lik + Math.log(n) * k,
    mse: pass.sse / n,
    residuals: Array.from(pass.e),
    forecast: (horizon) =>
      spec.error === 'M' && spec.season === 'M'
        ? multiplicativeMean(stateOf(pass, n, m, spec), spec, parameters, sigma2, m, horizon)
        : forecastFrom(pass, n, m, spec, parameters.phi, horizon),
  };
}

/**
 * The forecast mean of a model with multiplicative error and season (R's `class3`, Hyndman et al. 2008, ch. 6):
 * past one season ahead the season's own noise raises the mean by a term in sigma², which R includes in the point
 * forecast. R's recursion is followed as it is, including its trend row without the damping factor.
 */
function multiplicativeMean(
  state: readonly number[],
  spec: EtsSpec,
  p: EtsParameters,
  sigma2: number,
  m: number,
  horizon: number,
): number[] {
  const hasTrend = spec.trend !== 'N';
  const levelPart = hasTrend ? [state[0]!, state[1]!] : [state[0]!];
  const seasons = state.slice(levelPart.length);
  // mh[r][j] = levelPart[r] * seasons[j]: the mean of the outer product of the two state blocks.
  let mh = levelPart.map((v) => seasons.map((s) => v * s));
  const out: number[] = [];
  for (let i = 0; i < horizon; i++) {
    out.push(mh.reduce((a, row) => a + row[m - 1]!, 0));
    const rotated = mh.map((row) => [row[m - 1]!, ...row.slice(0, m - 1)]);
    const f1 = hasTrend
      ? [rotated[0]!.map((v, j) => v + rotated[1]![j]!), rotated[1]!.map((v) => p.phi * v)]
      : rotated;
    const last = mh.reduce((a, row) => a + row[m - 1]!, 0);
    const g = hasTrend ? [p.alpha, p.beta] : [p.alpha];
    f1.forEach((row, r) => (row[0] = row[0]! + g[r]! * last * p.gamma * sigma2));
    mh = f1;
  }
  return out;
}

/** The models forecast::ets(y) tries by default, in its order, for data of the given sign and season length. */
export function etsCandidates(y: readonly number[], period: number): EtsSpec[] {
  const n = y.length;
  const positive = y.every((v) => v > 0);
  // As ets(): no season for period 1, a period above 24, or no more data than one season.
  const seasons: EtsSeason[] = period > 1 && period <= 24 && n > period ? ['N', 'A', 'M'] : ['N'];
  const specs: EtsSpec[] = [];
  for (const error of ['A', 'M'] as const) {
    for (const trend of ['N', 'A'] as const) {
      for (const season of seasons) {
        for (const damped of [true, false]) {
          if (trend === 'N' && damped) continue;
          if (error === 'A' && season === 'M') continue;
          if (error === 'M' && !positive) continue;
          specs.push({ error, trend, damped, season });
        }
      }
    }
  }
  return specs;
}

/**
 * forecast::ets(y) with its defaults: every candidate of {@link etsCandidates} fitted by likelihood, the lowest
 * AICc wins. A constant series gets the naive forecast (R: SES with alpha 0.99999); a series too short for any
 * candidate gets SES fitted by MSE.
 */
export function autoEts(y: readonly number[], period: number, options: EtsOptions = {}): EtsFit {
  const constant = y.every((v) => v === y[0]);
  let best: EtsFit | null = null;
  if (!constant) {
    for (const spec of etsCandidates(y, period)) {
      const fit = fitEts(y, period, spec, options);
      if (fit && Number.isFinite(fit.aicc) && (!best || fit.aicc < best.aicc)) best = fit;
    }
  }
  if (best) return best;
  const naive: EtsSpec = { error: 'A', trend: 'N', damped: false, season: 'N' };
  const ses = y.length >= 4 && !constant ? fitEts(y, 1, naive, { optimise: 'mse' }) : null;
  if (ses) return ses;
  const last = y[y.length - 1] ?? 0;
  return {
    spec: naive,
    name: etsName(naive),
    period: 1,
    parameters: { alpha: 0.99999, beta: 0, gamma: 0, phi: 1 },
    initialState: [last],
    finalState: [last],
    lik: NaN,
    aic: NaN,
    aicc: NaN,
    bic: NaN,
    mse: 0,
    residuals: y.map(() => 0),
    forecast: (horizon) => Array<number>(horizon).fill(last),
  };
}

/** Automatic ETS as a {@link Forecaster}: forecast::ets(y) then forecast(h). */
export const ets: Forecaster = {
  kind: 'ets',
  fit(history: readonly number[], horizon: number, period: number): ModelFit {
    const fit = autoEts(history, period);
    return {
      kind: 'ets',
      point: fit.forecast(horizon),
      parameters: { model: fit.name, ...fit.parameters, aicc: finite(fit.aicc), state: fit.finalState },
    };
  },
};

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
