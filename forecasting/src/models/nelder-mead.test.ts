import { nelderMead, nelderMeadR, squash } from './nelder-mead';

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

describe('nelderMeadR', () => {
  const rosenbrock = ([x = 0, y = 0]: readonly number[]): number => 100 * (y - x * x) ** 2 + (1 - x) ** 2;

  it("follows R's optim(method = 'Nelder-Mead') step for step: Rosenbrock from (-1.2, 1) as R 4.2 reports it", () => {
    // R: optim(c(-1.2, 1), fr) -> par 1.0002601387256695, 1.0005059993037650; value 8.8252410967227472e-08; 195 calls
    const found = nelderMeadR(rosenbrock, [-1.2, 1], { maxit: 500 });
    expect(found.x[0]).toBeCloseTo(1.0002601387256695, 14);
    expect(found.x[1]).toBeCloseTo(1.000505999303765, 14);
    expect(found.value).toBeCloseTo(8.8252410967227472e-8, 20);
    expect(found.evaluations).toBe(195);
  });

  it('treats a non-finite value as a huge one (R: optim(c(0, 0), g) with g infinite past x = 2)', () => {
    const objective = ([x = 0, y = 0]: readonly number[]): number =>
      x > 2 ? Infinity : (x - 1) ** 2 + (y - 3) ** 2;
    const found = nelderMeadR(objective, [0, 0]);
    expect(found.x[0]).toBeCloseTo(1.0001134871347988, 14);
    expect(found.x[1]).toBeCloseTo(2.9996748120780055, 14);
    expect(found.evaluations).toBe(65);
  });

  it('stops once the evaluations pass maxit', () => {
    expect(nelderMeadR(rosenbrock, [-1.2, 1], { maxit: 20 }).evaluations).toBeLessThanOrEqual(23);
  });
});
