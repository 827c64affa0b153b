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
 * The seasonality test of the M4 Theta benchmark: the autocorrelation at the season's lag is significant at 90 %
 * (Bartlett's standard error). Needs three seasons of data, as the benchmark does.
 */
export function isSeasonal(y: readonly number[], period: number): boolean {
  if (period <= 1 || y.length < 3 * period) return false;
  const r = autocorrelation(y, period);
  let s = 0;
  for (let k = 0; k < period - 1; k++) s += r[k]! ** 2;
  const limit = 1.645 * Math.sqrt((1 + 2 * s) / y.length);
  return Math.abs(r[period - 1]!) > limit;
}

export type SeasonalMode = 'multiplicative' | 'additive';

/**
 * Seasonal indices by classical decomposition: the centred moving average of one season is the trend, the
 * average ratio (or difference) to it at each position of the season is that position's index, normalised.
 * Index `i` belongs to the positions `t` with `t % period === i`.
 */
export function seasonalIndices(y: readonly number[], period: number, mode: SeasonalMode): number[] {
  const n = y.length;
  const half = Math.floor(period / 2);
  const sums = new Array<number>(period).fill(0);
  const counts = new Array<number>(period).fill(0);
  for (let t = half; t < n - half; t++) {
    let trend: number;
    if (period % 2 === 0) {
      let s = 0.5 * y[t - half]! + 0.5 * y[t + half]!;
      for (let k = t - half + 1; k < t + half; k++) s += y[k]!;
      trend = s / period;
    } else {
      let s = 0;
      for (let k = t - half; k <= t + half; k++) s += y[k]!;
      trend = s / period;
    }
    sums[t % period]! += mode === 'multiplicative' ? y[t]! / trend : y[t]! - trend;
    counts[t % period]! += 1;
  }
  const raw = sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : mode === 'multiplicative' ? 1 : 0));
  const centre = raw.reduce((a, b) => a + b, 0) / period;
  return raw.map((v) => (mode === 'multiplicative' ? v / centre : v - centre));
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
