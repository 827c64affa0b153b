/** Autocorrelation of `y` at lags 1..maxLag. */
export function autocorrelation(y: readonly number[], maxLag: number): number[] {
  const n = y.length;
  let mu = 0;
  for (const v of y) mu += v / n;
  let denominator = 0;
  for (const v of y) denominator += (v - mu) ** 2;
  const r: number[] = [];
  for (let lag = 1; lag <= maxLag; lag++) {
    let s = 0;
    for (let t = lag; t < n; t++) s += (y[t]! - mu) * (y[t - lag]! - mu);
    r.push(denominator > 0 ? s / denominator : 0);
  }
  return r;
}

/**
 * The seasonality test of the M4 benchmarks (`SeasonalityTest` in M4's R code): the autocorrelation at the season's
 * lag is significant at 90 % (Bartlett's standard error). Needs three seasons of data; and, as R's `acf` computes
 * lags only up to 10 log10(n), a season longer than that is never found (M4's code reads NA there as "no").
 */
export function isSeasonal(y: readonly number[], period: number): boolean {
  if (period <= 1 || y.length < 3 * period) return false;
  if (period > Math.min(Math.floor(10 * Math.log10(y.length)), y.length - 1)) return false;
  const r = autocorrelation(y, period);
  let s = 0;
  for (let k = 0; k < period - 1; k++) s += r[k]! ** 2;
  const limit = 1.645 * Math.sqrt((1 + 2 * s) / y.length);
  return Math.abs(r[period - 1]!) > limit;
}

export type SeasonalMode = 'multiplicative' | 'additive';

/**
 * Seasonal indices by classical decomposition, as R's `decompose(y, type)` computes them: the centred moving
 * average of one season is the trend, the mean ratio (or difference) to it at each position of the season is that
 * position's index, normalised to mean 1 (or 0). Index `i` belongs to the positions `t` with `t % period === i`.
 * The arithmetic follows R's (filter weights summed newest first, means accurate to the last bit) because ETS's
 * initial states start from these indices, and its optimiser's path is sensitive to the last bit.
 */
export function seasonalIndices(y: readonly number[], period: number, mode: SeasonalMode): number[] {
  const n = y.length;
  const even = period % 2 === 0;
  const weights = even
    ? [0.5, ...Array<number>(period - 1).fill(1), 0.5].map((w) => w / period)
    : Array<number>(period).fill(1 / period);
  const shift = Math.floor(weights.length / 2);
  const ratios: number[][] = Array.from({ length: period }, () => []);
  for (let t = 0; t < n; t++) {
    if (t + shift - (weights.length - 1) < 0 || t + shift >= n) continue;
    let trend = 0;
    for (let j = 0; j < weights.length; j++) trend += weights[j]! * y[t + shift - j]!;
    ratios[t % period]!.push(mode === 'multiplicative' ? y[t]! / trend : y[t]! - trend);
  }
  const raw = ratios.map((r) => (r.length > 0 ? accurateMean(r) : mode === 'multiplicative' ? 1 : 0));
  const centre = accurateMean(raw);
  return raw.map((v) => (mode === 'multiplicative' ? v / centre : v - centre));
}

/**
 * The mean as R computes it: an extended-precision sum (here Neumaier's compensated sum stands in for R's long
 * double), divided, then corrected by the mean of the deviations.
 */
export function accurateMean(values: readonly number[]): number {
  const n = values.length;
  const mu = compensatedSum(values) / n;
  if (!Number.isFinite(mu)) return mu;
  return mu + compensatedSum(values.map((v) => v - mu)) / n;
}

function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let carry = 0;
  for (const v of values) {
    const t = sum + v;
    carry += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + carry;
}

/**
 * The seasonal component of R's `decompose(y, type)`: {@link seasonalIndices} repeated along the series, so
 * position `t` holds the index of `t % period`.
 */
export function classicalSeasonal(y: readonly number[], period: number, mode: SeasonalMode): number[] {
  const indices = seasonalIndices(y, period, mode);
  return y.map((_, t) => indices[t % period]!);
}

/** Removes (`sign` -1) or restores (+1) seasonal indices, position `offset` being the first value's. */
export function applySeason(
  y: readonly number[],
  indices: readonly number[],
  mode: SeasonalMode,
  offset: number,
  sign: 1 | -1,
): number[] {
  const period = indices.length;
  return y.map((v, t) => {
    const s = indices[(offset + t) % period]!;
    if (mode === 'multiplicative') return sign === 1 ? v * s : v / s;
    return sign === 1 ? v + s : v - s;
  });
}
