import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';

/** RUL, in cycles, at or below which a unit counts as due for maintenance in {@link scoreRul}'s F1. */
export const FLAG_THRESHOLD_CYCLES = 30;

/** How well predicted remaining useful lives match the truth; see {@link scoreRul}. */
export interface RulScore {
  readonly count: number;
  /** Root mean squared error, cycles: the figure C-MAPSS results are usually compared on. */
  readonly rmse: number;
  /** Mean absolute error, cycles. */
  readonly mae: number;
  /** F1 of the flag "RUL <= 30 cycles", predicted against true; 0 when there is nothing to find or nothing found. */
  readonly f1At30: number;
  readonly precision: number;
  readonly recall: number;
  /**
   * The PHM08 challenge score: sum of `exp(-d / 13) - 1` for early predictions (d < 0) and `exp(d / 10) - 1` for
   * late ones, `d = predicted - true`. Lower is better; late predictions cost more because a unit that fails
   * before its predicted time is the expensive mistake.
   */
  readonly nasaScore: number;
}

/**
 * Scores predicted against true remaining useful lives, pair by pair.
 *
 * @example
 * ```ts
 * scoreRul([10, 50], [20, 50]); // { rmse: 7.07, mae: 5, f1At30: 1, ... }
 * ```
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when the arrays are empty, differ in length or hold
 * a non-finite value.
 */
export function scoreRul(predicted: readonly number[], truth: readonly number[]): RulScore {
  if (predicted.length === 0 || predicted.length !== truth.length) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `score: ${predicted.length} predictions for ${truth.length} true values`,
    );
  }
  if (![...predicted, ...truth].every(Number.isFinite)) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      'score: a prediction or true value is not finite',
    );
  }
  let squares = 0;
  let absolutes = 0;
  let nasaScore = 0;
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  predicted.forEach((p, i) => {
    const t = truth[i]!;
    const d = p - t;
    squares += d * d;
    absolutes += Math.abs(d);
    nasaScore += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
    const flagged = p <= FLAG_THRESHOLD_CYCLES;
    const due = t <= FLAG_THRESHOLD_CYCLES;
    if (flagged && due) truePositives += 1;
    else if (flagged) falsePositives += 1;
    else if (due) falseNegatives += 1;
  });
  const precision = truePositives > 0 ? truePositives / (truePositives + falsePositives) : 0;
  const recall = truePositives > 0 ? truePositives / (truePositives + falseNegatives) : 0;
  return {
    count: predicted.length,
    rmse: Math.sqrt(squares / predicted.length),
    mae: absolutes / predicted.length,
    f1At30: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    precision,
    recall,
    nasaScore,
  };
}
