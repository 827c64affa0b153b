/** Percentiles of a set of durations, in milliseconds. */
export interface LatencySummary {
  /** How many values the percentiles are of. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile of values sorted in ascending order: the smallest value that at least `p` per cent
 * of the values are at or below. Always one of the values, never an interpolation between two, so "p99 = 12 ms"
 * means some reading really took 12 ms and 99 % took no longer.
 * @throws RangeError when `sorted` is empty or `p` is not in (0, 100].
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 * percentile([1, 2, 3, 4], 51); // 3
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  // p × n / 100 rather than p / 100 × n: exact for a whole p (0.55 × 100 is 55.00000000000001). For a
  // fractional p it can still land just above a whole rank (1.1 × 3000 / 100 is 33.00000000000001); the
  // epsilon keeps that from counting as the next rank.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * p50, p95, p99 and max of `values` (in any order; not modified); undefined when there are none.
 * @example
 * summariseLatencies([5, 1, 4, 2, 3]); // { count: 5, p50: 3, p95: 5, p99: 5, max: 5 }
 */
export function summariseLatencies(values: ArrayLike<number>): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  // A typed array sorts numerically (a plain array would sort 10 before 9) and without boxing.
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}
