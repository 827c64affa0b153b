import {
  conformalQuantile,
  intervalWidths,
  localScale,
  PHASE_PROFILE_WEIGHT,
  phaseProfile,
  quantile,
} from './intervals';

describe('quantile', () => {
  it("interpolates linearly between order statistics (R's type 7)", () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.8)).toBeCloseTo(4.2, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('conformalQuantile', () => {
  it('takes the ⌈(n+1)·level⌉-th smallest score, the largest when that rank is past n', () => {
    // n = 9: rank ⌈10 × 0.8⌉ = 8.
    expect(conformalQuantile([9, 1, 8, 2, 7, 3, 6, 4, 5], 0.8)).toBe(8);
    // n = 6: rank ⌈5.6⌉ = 6, the largest; the empirical 80 % quantile would be 4.
    expect(conformalQuantile([1, 2, 2, 4, 3, 6], 0.8)).toBe(6);
    expect(quantile([1, 2, 2, 4, 3, 6], 0.8)).toBe(4);
    expect(conformalQuantile([], 0.8)).toBeNaN();
  });

  it('covers a new exchangeable error at least at the level, where the empirical quantile falls short', () => {
    // 20,000 trials of 6 errors from one distribution and a 7th to cover.
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    let conformal = 0;
    let empirical = 0;
    const trials = 20_000;
    for (let t = 0; t < trials; t++) {
      const scores = Array.from({ length: 6 }, () => Math.abs(next()));
      const fresh = Math.abs(next());
      if (fresh <= conformalQuantile(scores, 0.8)) conformal++;
      if (fresh <= quantile(scores, 0.8)) empirical++;
    }
    expect(conformal / trials).toBeGreaterThanOrEqual(0.8);
    expect(empirical / trials).toBeLessThan(0.75);
  });
});

describe('intervalWidths', () => {
  it('takes the conformal level quantile of the absolute errors of each step and its neighbours (steps h/2 .. 2h+1)', () => {
    const residuals = [
      [1, -2, 3],
      [-2, 4, -1],
      [3, 6, 2],
    ];
    const widths = intervalWidths(residuals, 0.8, 3, [], 1);
    expect(widths[0]).toBe(conformalQuantile([1, 2, 2, 4, 3, 6], 0.8)); // steps 0..1: 6
    expect(widths[1]).toBe(widths[0]); // steps 0..2 alone give 4: the widths do not narrow
    expect(conformalQuantile([1, 2, 3, 2, 4, 1, 3, 6, 2], 0.8)).toBe(4);
    expect(widths[2]).toBe(widths[0]); // steps 1..2: 6 as well
  });

  it('never narrows further out, even where later errors are smaller', () => {
    const widths = intervalWidths(
      [
        [5, 1, 1],
        [-5, 1, -1],
      ],
      0.8,
      3,
      [],
      1,
    );
    expect(widths[1]).toBeGreaterThanOrEqual(widths[0]!);
    expect(widths[2]).toBeGreaterThanOrEqual(widths[1]!);
  });

  it('falls back on the spread of the history’s own changes over each step with fewer than two origins', () => {
    const history = [10, 12, 11, 15, 14, 18, 17, 21];
    const widths = intervalWidths([[1, 2]], 0.5, 2, history, 1);
    // Lag 1 changes: 2 1 4 1 4 1 4 -> median 2; lag 2: 1 3 3 3 3 3 -> median 3.
    expect(widths).toEqual([2, 3]);
  });
});

describe('localScale', () => {
  it('is the mean absolute one-step change over the last `window` changes', () => {
    expect(localScale([1, 2, 4, 7, 11], 2)).toBe(3.5); // changes 3, 4
    expect(localScale([1, 2, 4, 7, 11], 10)).toBe(2.5); // all four: 1 2 3 4
    expect(localScale([5], 3)).toBeNaN();
  });
});

/** A seeded normal generator (LCG + Box-Muller), so the simulations below are reproducible. */
function gaussian(seed: number): () => number {
  let state = seed;
  const uniform = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 1) / (2 ** 31 + 1);
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('intervalWidths with validation origins (locally weighted conformal)', () => {
  /**
   * A random walk whose step noise jumps from `before` to `after` `shiftAt` steps from the end of its history (a
   * change of volatility regime), forecast naively (the last value), with six validation origins half a horizon
   * apart as the demand model lays them out. Returns the coverage of the 80 % intervals on the next `horizon` values,
   * over many simulated series, with and without the origins.
   */
  function simulate(before: number, after: number, shiftAt: number): { plain: number; local: number } {
    const next = gaussian(20240601);
    const horizon = 12;
    const length = 120;
    let plain = 0;
    let local = 0;
    let total = 0;
    for (let trial = 0; trial < 400; trial++) {
      const values: number[] = [1000];
      for (let t = 1; t < length + horizon; t++) {
        const sigma = t >= length - shiftAt ? after : before;
        values.push(values[t - 1]! + sigma * next());
      }
      const history = values.slice(0, length);
      const origins: number[] = [];
      for (let k = 5; k >= 0; k--) origins.push(length - horizon - k * (horizon / 2));
      const residuals = origins.map((o) => values.slice(o, o + horizon).map((v) => v - values[o - 1]!));
      const withOrigins = intervalWidths(residuals, 0.8, horizon, history, 12, origins);
      const without = intervalWidths(residuals, 0.8, horizon, history, 12);
      const last = history[length - 1]!;
      for (let h = 0; h < horizon; h++) {
        const error = Math.abs(values[length + h]! - last);
        if (error <= withOrigins[h]!) local++;
        if (error <= without[h]!) plain++;
        total++;
      }
    }
    return { plain: plain / total, local: local / total };
  }

  it('keeps the level on homoscedastic noise', () => {
    const { plain, local } = simulate(5, 5, 0);
    // 4,800 values: 81.7 % plain, 82.1 % normalised.
    expect(plain).toBeGreaterThan(0.77);
    expect(local).toBeGreaterThan(0.77);
    expect(local).toBeLessThan(0.87);
  });

  it('widens when the series became more volatile after the validation origins', () => {
    // The volatility triples 18 steps before the end: the older origins' errors understate the current spread.
    const { plain, local } = simulate(5, 15, 18);
    // 60.8 % plain, 93.1 % normalised (the last origins' windows straddle the change, so they under-scale a little).
    expect(plain).toBeLessThan(0.7);
    expect(local).toBeGreaterThan(0.8);
  });

  it('narrows when the series calmed down, instead of over-covering', () => {
    const { plain, local } = simulate(15, 5, 18);
    // 98.5 % plain, 74.6 % normalised.
    expect(plain).toBeGreaterThan(0.95);
    expect(local).toBeGreaterThan(0.7);
    expect(Math.abs(local - 0.8)).toBeLessThan(Math.abs(plain - 0.8));
  });

  it('uses the raw errors where a local scale is 0 (a flat stretch)', () => {
    const history = [...Array.from({ length: 30 }, (_, t) => t % 5), ...new Array<number>(20).fill(3)];
    const residuals = [
      [1, -2, 3],
      [-2, 4, -1],
      [3, 6, 2],
    ];
    expect(intervalWidths(residuals, 0.8, 3, history, 1, [20, 30, 47])).toEqual(
      intervalWidths(residuals, 0.8, 3, history, 1),
    );
  });
});

describe('phaseProfile', () => {
  it("is each phase's mean score over the average of the phases, shrunk halfway toward 1", () => {
    // Period 2, origins 10 and 11: origin 10's steps fall on phases 0 1 0 1, origin 11's on 1 0 1 0.
    const profile = phaseProfile(
      [
        [3, 1, 3, 1],
        [1, 3, 1, 3],
      ],
      [10, 11],
      2,
    );
    // Phase 0 sees only 3s, phase 1 only 1s: ratios 1.5 and 0.5 of the average 2.
    expect(PHASE_PROFILE_WEIGHT).toBe(0.5);
    expect(profile[0]).toBeCloseTo(1.25, 12);
    expect(profile[1]).toBeCloseTo(0.75, 12);
  });

  it('takes no phase as calmer than a quarter of the average, and is all 1s without errors', () => {
    const profile = phaseProfile([[0, 4, 0, 4]], [0], 2);
    expect(profile[0]).toBeCloseTo(1 - PHASE_PROFILE_WEIGHT + PHASE_PROFILE_WEIGHT * 0.25, 12);
    expect(phaseProfile([[0, 0, 0, 0]], [0], 2)).toEqual([1, 1]);
  });
});

describe('intervalWidths where the season recurs within the horizon (phase profile)', () => {
  /**
   * Noise around a fixed level whose spread depends on the phase of a season of 4: `busy` at phase 0, 1 elsewhere,
   * forecast by the level itself, six validation origins half a horizon (one season) apart. Returns the coverage of the
   * 80 % intervals on the next horizon's busy and quiet phases over many simulated series, and the last series'
   * widths (the history is 96 values, so the forecast's first step falls on phase 0, the busy one).
   */
  function simulate(
    busy: number,
    widthsOf: typeof intervalWidths,
  ): { busy: number; quiet: number; lastWidths: number[] } {
    const next = gaussian(20261207);
    const period = 4;
    const horizon = 8;
    const length = 96;
    const sigma = (t: number): number => (t % period === 0 ? busy : 1);
    const inside = { busy: 0, quiet: 0 };
    const total = { busy: 0, quiet: 0 };
    let lastWidths: number[] = [];
    for (let trial = 0; trial < 400; trial++) {
      const values = Array.from({ length: length + horizon }, (_, t) => 100 + sigma(t) * next());
      const origins: number[] = [];
      for (let k = 5; k >= 0; k--) origins.push(length - horizon - k * (horizon / 2));
      const residuals = origins.map((o) => values.slice(o, o + horizon).map((v) => v - 100));
      const widths = widthsOf(residuals, 0.8, horizon, values.slice(0, length), period, origins);
      lastWidths = widths;
      for (let h = 0; h < horizon; h++) {
        const kind = (length + h) % period === 0 ? 'busy' : 'quiet';
        if (Math.abs(values[length + h]! - 100) <= widths[h]!) inside[kind]++;
        total[kind]++;
      }
    }
    return { busy: inside.busy / total.busy, quiet: inside.quiet / total.quiet, lastWidths };
  }

  it('widens the busy phase and narrows the quiet ones, both nearer the level than one width for all', () => {
    const profiled = simulate(4, intervalWidths);
    // One width for all: a season of 1 (no profile), the same errors.
    const flat = simulate(4, (r, level, horizon, history, _period, origins) =>
      intervalWidths(r, level, horizon, history, 1, origins),
    );
    // Measured: one width 73.4 % busy, 98.8 % quiet; profiled 76.9 % busy, 94.3 % quiet. Shrunk halfway, the
    // profile corrects part of the difference, not all of it.
    expect(flat.busy).toBeLessThan(0.75);
    expect(flat.quiet).toBeGreaterThan(0.97);
    expect(profiled.busy).toBeGreaterThan(flat.busy + 0.02);
    expect(profiled.quiet).toBeLessThan(flat.quiet - 0.03);
    // Within the second season, the busy step's band is the widest.
    const [busyStep, ...quietSteps] = profiled.lastWidths.slice(4);
    for (const quiet of quietSteps) expect(busyStep).toBeGreaterThan(quiet);
  });

  it('leaves the widths as they were on noise whose spread does not depend on the phase', () => {
    const profiled = simulate(1, intervalWidths);
    // Measured: 83.6 % on the phases labelled busy, 84.5 % on the rest.
    expect(profiled.busy).toBeGreaterThan(0.77);
    expect(profiled.quiet).toBeGreaterThan(0.77);
    expect(profiled.quiet).toBeLessThan(0.87);
  });

  it('uses no profile where the horizon is shorter than two seasons', () => {
    const residuals = [
      [1, -2, 3, 1, 5],
      [-2, 4, -1, 2, 0],
      [3, 6, 2, -1, 1],
    ];
    const history = Array.from({ length: 40 }, (_, t) => 10 + ((t * 7) % 5));
    expect(intervalWidths(residuals, 0.8, 5, history, 4, [20, 25, 30])).toEqual(
      intervalWidths(residuals, 0.8, 5, history, 1, [20, 25, 30]),
    );
  });
});
