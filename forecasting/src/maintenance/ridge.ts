import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';

/** A fitted linear model `y = intercept + coefficients · x`, plain data so it serialises as it is. */
export interface RidgeCoefficients {
  readonly intercept: number;
  readonly coefficients: readonly number[];
}

/**
 * Closed-form ridge regression: minimises `|y - b - Xw|^2 + lambda |w|^2`. The columns and the target are
 * centred first so the intercept `b` is not shrunk (shrinking it would pull every prediction towards 0, not
 * towards the mean). The normal equations `(XᵀX + lambda I) w = Xᵀy` are symmetric positive definite for any
 * `lambda > 0`, so a Cholesky factorisation solves them without pivoting. Own code rather than a library: it is
 * forty lines and the forecasting package stays free of numeric dependencies.
 *
 * @example
 * ```ts
 * const fit = fitRidge([[0], [1], [2]], [1, 3, 5], 0); // { intercept: 1, coefficients: [2] }
 * predictRidge(fit, [3]); // 7
 * ```
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when the data are empty or ragged, `lambda` is
 * negative, or (with `lambda = 0`) the columns are linearly dependent.
 */
export function fitRidge(
  x: readonly (readonly number[])[],
  y: readonly number[],
  lambda: number,
): RidgeCoefficients {
  const n = x.length;
  const p = x[0]?.length ?? 0;
  if (n === 0 || n !== y.length || x.some((row) => row.length !== p)) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `ridge: ${n} rows of x for ${y.length} targets, or ragged rows`,
    );
  }
  if (!(lambda >= 0))
    throw new MaintenanceError(MaintenanceErrorCode.InvalidInput, `ridge: lambda ${lambda} < 0`);
  const xMean = Array.from({ length: p }, (_, j) => x.reduce((sum, row) => sum + row[j]!, 0) / n);
  const yMean = y.reduce((sum, v) => sum + v, 0) / n;
  const gram = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const moment = new Array<number>(p).fill(0);
  const centred = new Array<number>(p);
  x.forEach((row, i) => {
    for (let j = 0; j < p; j += 1) centred[j] = row[j]! - xMean[j]!;
    const target = y[i]! - yMean;
    for (let j = 0; j < p; j += 1) {
      const cj = centred[j]!;
      moment[j]! += cj * target;
      const gramRow = gram[j]!;
      for (let k = 0; k <= j; k += 1) gramRow[k]! += cj * centred[k]!;
    }
  });
  for (let j = 0; j < p; j += 1) {
    for (let k = 0; k < j; k += 1) gram[k]![j] = gram[j]![k]!;
    gram[j]![j]! += lambda;
  }
  const coefficients = solveSymmetricPositiveDefinite(gram, moment);
  const intercept = yMean - coefficients.reduce((sum, w, j) => sum + w * xMean[j]!, 0);
  return { intercept, coefficients };
}

/** `intercept + coefficients · features`. */
export function predictRidge(model: RidgeCoefficients, features: readonly number[]): number {
  return model.coefficients.reduce((sum, w, j) => sum + w * (features[j] ?? 0), model.intercept);
}

/**
 * Solves `A z = b` for symmetric positive definite `A` by Cholesky factorisation `A = L Lᵀ`, then forward and
 * back substitution.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when `A` is not positive definite.
 */
export function solveSymmetricPositiveDefinite(
  a: readonly (readonly number[])[],
  b: readonly number[],
): number[] {
  const p = b.length;
  const l = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k += 1) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        // Relative test: a pivot lost to rounding means the columns are (nearly) dependent.
        if (!(sum > 1e-12 * Math.max(1, Math.abs(a[i]![i]!)))) {
          throw new MaintenanceError(
            MaintenanceErrorCode.InvalidInput,
            `ridge: normal equations are singular at column ${i}; use lambda > 0 or drop dependent features`,
          );
        }
        l[i]![i] = Math.sqrt(sum);
      } else {
        l[i]![j] = sum / l[j]![j]!;
      }
    }
  }
  const z = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i += 1) {
    let sum = b[i]!;
    for (let k = 0; k < i; k += 1) sum -= l[i]![k]! * z[k]!;
    z[i] = sum / l[i]![i]!;
  }
  const w = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i -= 1) {
    let sum = z[i]!;
    for (let k = i + 1; k < p; k += 1) sum -= l[k]![i]! * w[k]!;
    w[i] = sum / l[i]![i]!;
  }
  return w;
}
