import { intervalWidths, quantile } from './intervals';

describe('quantile', () => {
  it("interpolates linearly between order statistics (R's type 7)", () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.8)).toBeCloseTo(4.2, 12);
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('intervalWidths', () => {
  it('takes the level quantile of the absolute errors of each step and its neighbours (steps h/2 .. 2h+1)', () => {
    const residuals = [
      [1, -2, 3],
      [-2, 4, -1],
      [3, 6, 2],
    ];
    const widths = intervalWidths(residuals, 0.8, 3, [], 1);
    expect(widths[0]).toBeCloseTo(quantile([1, 2, 2, 4, 3, 6], 0.8), 12); // steps 0..1
    // Steps 0..2 alone give 3.4, less than step 0's 4: the widths do not narrow.
    expect(quantile([1, 2, 3, 2, 4, 1, 3, 6, 2], 0.8)).toBeCloseTo(3.4, 12);
    expect(widths[1]).toBe(widths[0]);
    expect(widths[2]).toBeCloseTo(quantile([2, 3, 4, 1, 6, 2], 0.8), 12); // steps 1..2: 4.5
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
