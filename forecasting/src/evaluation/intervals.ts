/** Linear-interpolation quantile (R's type 7) of `values` at probability `q`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (position - low) * (sorted[high]! - sorted[low]!);
}

/**
 * The split-conformal quantile of `scores` at `level`: the ⌈(n+1)·level⌉-th smallest (the largest when that rank
 * exceeds n). With n exchangeable out-of-sample errors, an interval this wide covers a new error with probability
 * at least `level`; the plain empirical quantile covers less, by a margin that grows as n shrinks (a few
 * validation origins give each step only a handful of errors).
 */
export function conformalQuantile(scores: readonly number[], level: number): number {
  const sorted = [...scores].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.ceil((sorted.length + 1) * level));
  return sorted[Math.max(0, rank - 1)]!;
}

/**
 * The local scale of a series at its end: the mean absolute one-step change over its last `window` changes (fewer
 * where the series is shorter). Measured the same way at every origin, it tracks how volatile the series is right
 * there, in the series' own units, so errors scaled by it are comparable across origins.
 */
export function localScale(values: readonly number[], window: number): number {
  const start = Math.max(1, values.length - window);
  let sum = 0;
  let count = 0;
  for (let t = start; t < values.length; t++) {
    sum += Math.abs(values[t]! - values[t - 1]!);
    count++;
  }
  return count > 0 ? sum / count : NaN;
}

/**
 * How much weight the phase profile gets against none at all (1 everywhere). Six validation origins give each
 * phase of an hourly season only about a dozen errors, so the raw profile is noisy. On M4's hourly training parts
 * (the `dev` split: each training series' last two days held out) every weight from 0.5 to 1 brought the 80 %
 * intervals' coverage within a point of 80 % (81.7 % without the profile); halfway is the most cautious of them,
 * and the only one that kept the public airport panel's coverage at 77 % or more (README, issue 17).
 */
export const PHASE_PROFILE_WEIGHT = 0.5;

/** No phase is taken as calmer than a quarter of the average, however few its errors. */
const PHASE_PROFILE_FLOOR = 0.25;

/**
 * The size of the errors at each phase of the season relative to their average: `scores[k][h]` is validation origin
 * k's normalised absolute error at step h, and `origins[k]` where that origin's forecast started, so step h falls on
 * phase (origins[k] + h) mod period. Demand that is busy at some hours and quiet at others errs more in the busy
 * hours; one width for all would over-cover the quiet ones and under-cover the busy ones. Each phase's mean score
 * over the average (at least {@link PHASE_PROFILE_FLOOR}), shrunk toward 1 by {@link PHASE_PROFILE_WEIGHT}; all 1s
 * where an error-free season gives no average.
 */
export function phaseProfile(
  scores: readonly (readonly number[])[],
  origins: readonly number[],
  period: number,
): number[] {
  const sum = new Array<number>(period).fill(0);
  const count = new Array<number>(period).fill(0);
  scores.forEach((row, k) =>
    row.forEach((score, h) => {
      const phase = (origins[k]! + h) % period;
      sum[phase]! += score;
      count[phase]!++;
    }),
  );
  const means = sum.map((s, phase) => (count[phase]! > 0 ? s / count[phase]! : NaN));
  const seen = means.filter((m) => Number.isFinite(m));
  const average = seen.reduce((a, b) => a + b, 0) / seen.length;
  if (!(average > 0)) return new Array<number>(period).fill(1);
  return means.map((m) => {
    const ratio = Number.isFinite(m) ? Math.max(PHASE_PROFILE_FLOOR, m / average) : 1;
    return 1 - PHASE_PROFILE_WEIGHT + PHASE_PROFILE_WEIGHT * ratio;
  });
}

/**
 * The interval `point` ± `widths`, its lower end never below 0 for a history that never was (demand, counts).
 */
export function intervalBounds(
  point: readonly number[],
  widths: readonly number[],
  history: readonly number[],
): { lower: number[]; upper: number[] } {
  const nonNegative = history.every((v) => v >= 0);
  return {
    lower: point.map((p, h) => (nonNegative ? Math.max(0, p - widths[h]!) : p - widths[h]!)),
    upper: point.map((p, h) => p + widths[h]!),
  };
}

/**
 * Half-widths of central prediction intervals at `level`, one per step, from out-of-sample errors
 * (`residuals[k][h]`: the error at step h from validation origin k, made by a forecast that did not see origin k's
 * future). A few origins cannot give each step its own quantile, so each step pools its neighbours, from half to
 * twice its distance (steps ⌊h/2⌋ .. 2h+1, counting from 0), and takes the conformal `level` quantile of their
 * absolute errors; the widths are then made non-decreasing, as uncertainty does not shrink further out (on the
 * phase-free scale where a phase profile applies, below).
 *
 * Given `origins` (where in `history` each validation origin's forecast started, one per residual row), the errors
 * are normalised first (locally weighted split conformal): each origin's absolute errors are divided by the
 * {@link localScale} of the history before that origin, over the last max(period, horizon) one-step changes, and
 * the quantile of these scale-free scores is multiplied by the local scale at the end of `history`. The widths then
 * follow the series' current volatility, not an average over the last few years: wider where the series has
 * recently become more volatile, narrower where it calmed down. The finite-sample argument is unchanged (the
 * normalised scores stand in for the raw ones); only information before each origin is used. Where a scale is 0
 * or not finite (a flat stretch), the raw errors are used.
 *
 * Where the season recurs within the horizon (period > 1 and horizon at least two seasons: hourly demand over two
 * days, daily over two weeks) and `origins` are given, the scores are also divided by their phase's
 * {@link phaseProfile} and each width multiplied by its own phase's: busy hours get wider bands than quiet ones at
 * the same distance. The part that does not depend on the phase is what never narrows; the widths themselves may,
 * from a busy hour to a quiet one. With a shorter horizon each step sees a phase only once per origin and pooling
 * neighbouring steps already mixes the phases, so no profile is used.
 *
 * With fewer than two origins, the spread of the history's own changes over each step stands in: the `level`
 * quantile of |y(t + lag) − y(t)|, the lag the step rounded up to whole seasons.
 */
export function intervalWidths(
  residuals: readonly (readonly number[])[],
  level: number,
  horizon: number,
  history: readonly number[],
  period: number,
  origins?: readonly number[],
): number[] {
  const widths: number[] = [];
  if (residuals.length >= 2) {
    const aligned = origins && origins.length === residuals.length ? origins : undefined;
    let scales = residuals.map(() => 1);
    let now = 1;
    if (aligned) {
      const window = Math.max(period, horizon);
      const atOrigins = aligned.map((o) => localScale(history.slice(0, o), window));
      const atEnd = localScale(history, window);
      if ([...atOrigins, atEnd].every((s) => Number.isFinite(s) && s > 0)) {
        scales = atOrigins;
        now = atEnd;
      }
    }
    const scores = residuals.map((e, k) => e.map((v) => Math.abs(v) / scales[k]!));
    let profile = (_time: number): number => 1;
    if (aligned && period > 1 && horizon >= 2 * period) {
      const byPhase = phaseProfile(scores, aligned, period);
      profile = (at: number): number => byPhase[at % period]!;
    }
    let phaseFree = 0;
    for (let h = 0; h < horizon; h++) {
      const from = Math.floor(h / 2);
      const pooled = scores.flatMap((row, k) =>
        row
          .slice(from, Math.min(horizon, 2 * h + 2))
          .map((v, j) => v / profile((aligned?.[k] ?? 0) + from + j)),
      );
      phaseFree = Math.max(phaseFree, conformalQuantile(pooled, level));
      widths.push(now * phaseFree * profile(history.length + h));
    }
    return widths;
  }
  for (let h = 1; h <= horizon; h++) {
    const lag = history.length > h + period && period > 1 ? h + ((period - (h % period)) % period) : h;
    const changes: number[] = [];
    for (let t = lag; t < history.length; t++) changes.push(Math.abs(history[t]! - history[t - lag]!));
    const w = changes.length > 0 ? quantile(changes, level) : 0;
    widths.push(Math.max(w, widths[h - 2] ?? 0));
  }
  return widths;
}
