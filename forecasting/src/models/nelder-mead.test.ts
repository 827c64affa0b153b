import { nelderMead, squash } from './nelder-mead';

describe('nelderMead', () => {
  it('finds the minimum of a 2-D quadratic with unequal curvature', () => {
    const objective = ([x = 0, y = 0]: readonly number[]): number => (x - 3) ** 2 + 10 * (y + 2) ** 2 + 1;
    const found = nelderMead(objective, [0, 0]);
    expect(found.x[0]).toBeCloseTo(3, 3);
    expect(found.x[1]).toBeCloseTo(-2, 3);
    expect(found.value).toBeCloseTo(1, 6);
  });

  it('treats a non-finite objective as the worst value instead of wandering into it', () => {
    const objective = ([x = 0]: readonly number[]): number => (x < -1 ? Number.NaN : (x - 1) ** 2);
    const found = nelderMead(objective, [0], { step: 3 });
    expect(found.x[0]).toBeCloseTo(1, 3);
  });

  it('stops at the evaluation budget', () => {
    let calls = 0;
    nelderMead(
      ([x = 0, y = 0]) => {
        calls++;
        return x * x + y * y;
      },
      [50, 50],
      { maxEvaluations: 20, tolerance: 0 },
    );
    // The budget is checked per iteration; a shrink may evaluate `dim` more points.
    expect(calls).toBeLessThanOrEqual(20 + 2 + 2);
  });
});

describe('squash', () => {
  it('maps any number into (low, high), 0 to the middle', () => {
    expect(squash(0, 0.8, 0.98)).toBeCloseTo(0.89, 12);
    expect(squash(-1000, 0.8, 0.98)).toBeCloseTo(0.8, 12);
    expect(squash(1000, 0.8, 0.98)).toBeCloseTo(0.98, 12);
  });
});
