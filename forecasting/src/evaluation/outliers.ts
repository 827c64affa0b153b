/**
 * One-off shocks in a demand history (a storm that grounds an airport for a day, a shop closed for a stocktake) are
 * taken by level-tracking methods as a new level and carried into every step of the forecast. This finds values
 * far from what their own season says on both sides, and replaces them by what the past says, so the members fit
 * the regular pattern; validation errors and intervals are still measured against the raw history.
 *
 * A value's past reference is the median of the values one and two seasons before it (lags 1 and 2 without a
 * season), its future reference the same after it. Its deviation is the smaller of its distances to the two, or
 * the one that exists; it is an outlier when that is more than `threshold` robust standard deviations (1.4826 × the
 * median deviation) and, near the end where only the past can judge, when neither neighbour deviates alike (then
 * the level moved). Deliberately strict (default 8): a lasting shift agrees with its future side, so it
 * stays; only a shift in the very last value, which no method can tell from a shock, is undone.
 */
export function cleanOutliers(
  history: readonly number[],
  period: number,
  threshold = 8,
): { cleaned: number[]; replaced: number[] } {
  const n = history.length;
  const lag = period > 1 ? period : 1;
  if (n < 4 * lag + 1) return { cleaned: history.slice(), replaced: [] };
  const side = (t: number, sign: 1 | -1): number | null => {
    const values = [t + sign * lag, t + sign * 2 * lag]
      .filter((s) => s >= 0 && s < n)
      .map((s) => history[s]!);
    return values.length > 0 ? median(values) : null;
  };
  const past = history.map((_, t) => side(t, -1));
  const future = history.map((_, t) => side(t, 1));
  const deviation = history.map((v, t) => {
    const d = [past[t], future[t]].filter((r): r is number => r !== null).map((r) => Math.abs(v - r));
    return Math.min(...d);
  });
  const scale = 1.4826 * median(deviation);
  if (!(scale > 0)) return { cleaned: history.slice(), replaced: [] };
  const cleaned = history.slice();
  const replaced: number[] = [];
  for (let t = 0; t < n; t++) {
    if (!(deviation[t]! > threshold * scale)) continue;
    if (future[t] === null) {
      // Only the past judges here: if the value before or after moved the same way, the level moved.
      const step = history[t]! - past[t]!;
      const alike = [t - 1, t + 1].some(
        (s) =>
          s >= 0 && s < n && past[s] !== null && Math.abs(history[s]! - past[s]! - step) <= threshold * scale,
      );
      if (alike) continue;
    }
    cleaned[t] = past[t] ?? future[t]!;
    replaced.push(t);
  }
  return { cleaned, replaced };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
