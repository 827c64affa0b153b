import { isMaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import { fitRidge, predictRidge, solveSymmetricPositiveDefinite } from './ridge';
import { mulberry32 } from './seeded-random';

describe('fitRidge', () => {
  const random = mulberry32(3);
  const x = Array.from({ length: 200 }, () => [random() * 10, random() * 4 - 2, random()]);
  const truth = (row: readonly number[]): number => 3 + 2 * row[0]! - 0.5 * row[1]! + 0 * row[2]!;

  it('recovers the intercept and coefficients of an exact linear function when lambda is 0', () => {
    const fit = fitRidge(x, x.map(truth), 0);
    expect(fit.intercept).toBeCloseTo(3, 9);
    expect(fit.coefficients[0]).toBeCloseTo(2, 9);
    expect(fit.coefficients[1]).toBeCloseTo(-0.5, 9);
    expect(fit.coefficients[2]).toBeCloseTo(0, 9);
    expect(predictRidge(fit, [1, 1, 1])).toBeCloseTo(4.5, 9);
  });

  it('recovers the coefficients under noise to within the noise', () => {
    const noisy = x.map((row) => truth(row) + (random() - 0.5) * 0.2);
    const fit = fitRidge(x, noisy, 1e-6);
    expect(fit.coefficients[0]).toBeCloseTo(2, 1);
    expect(fit.coefficients[1]).toBeCloseTo(-0.5, 1);
  });

  it('shrinks coefficients towards 0 but leaves the intercept at the mean as lambda grows', () => {
    const y = x.map(truth);
    const fit = fitRidge(x, y, 1e9);
    expect(Math.max(...fit.coefficients.map(Math.abs))).toBeLessThan(1e-3);
    expect(fit.intercept).toBeCloseTo(y.reduce((s, v) => s + v, 0) / y.length, 2);
  });

  it('refuses dependent columns without a penalty, and solves them with one', () => {
    const dependent = x.map((row) => [row[0]!, 2 * row[0]!]);
    expect(() => fitRidge(dependent, x.map(truth), 0)).toThrow(/singular/);
    expect(() => fitRidge(dependent, x.map(truth), 1)).not.toThrow();
  });

  it('rejects mismatched rows and targets with a typed error', () => {
    try {
      fitRidge([[1], [2]], [1], 1);
      throw new Error('expected a throw');
    } catch (error) {
      expect(isMaintenanceError(error, MaintenanceErrorCode.InvalidInput)).toBe(true);
    }
  });
});

describe('solveSymmetricPositiveDefinite', () => {
  it('solves a known 3x3 system', () => {
    const a = [
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ];
    const expected = [1, -2, 3];
    const b = a.map((row) => row.reduce((s, v, j) => s + v * expected[j]!, 0));
    solveSymmetricPositiveDefinite(a, b).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 10));
  });
});
