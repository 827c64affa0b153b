import { conformalQuantile, intervalWidths, quantile } from './intervals';

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
