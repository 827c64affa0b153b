import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import { recentSlopes } from './rul-features';
import type { RulModel } from './rul-model';

/** Options of {@link assessMaintenance}. */
export interface MaintenanceFlagOptions {
  /** Flag a unit predicted to have at most this many cycles left. Default 30. */
  readonly thresholdCycles?: number;
}

/** Slope per cycle of one channel over the model's feature window, in the channel's own units. */
export interface ChannelTrend {
  readonly channel: string;
  readonly slopePerCycle: number;
}

/** A maintenance flag for one unit, with the prediction behind it and the evidence a person would check. */
export interface MaintenanceAssessment {
  readonly unitId: string;
  /** True when the predicted remaining life is at most `thresholdCycles`. */
  readonly flag: boolean;
  readonly thresholdCycles: number;
  readonly predictedCyclesLeft: number;
  /** Prediction interval, cycles, at the model's coverage (80% by default), from cross-validation residuals. */
  readonly interval: readonly [number, number];
  /**
   * Probability, in [0, 1], that the unit has at most `thresholdCycles` left, read from the distribution of
   * cross-validation residuals of units predicted at a similar remaining life. High with `flag` set means act
   * now; a middling value either way means the unit is close to the threshold and worth a second look.
   */
  readonly confidence: number;
  readonly evidence: {
    readonly recentTrend: readonly ChannelTrend[];
    readonly cyclesObserved: number;
    /** Cycles the trend looks back over: the model's feature window, or fewer when the history is shorter. */
    readonly windowCycles: number;
  };
}

/**
 * Decides whether a unit needs maintenance within `thresholdCycles`, from its history and a trained
 * {@link RulModel}.
 *
 * @example
 * ```ts
 * const assessment = assessMaintenance('pump-7', rows, model, { thresholdCycles: 30 });
 * if (assessment.flag) schedule(assessment.unitId, assessment.interval);
 * ```
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT on an empty or malformed history or a negative or
 * non-finite threshold.
 */
export function assessMaintenance(
  unitId: string,
  history: readonly (readonly number[])[],
  model: RulModel,
  { thresholdCycles = 30 }: MaintenanceFlagOptions = {},
): MaintenanceAssessment {
  if (!(Number.isFinite(thresholdCycles) && thresholdCycles >= 0)) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `thresholdCycles must be >= 0, got ${thresholdCycles}`,
    );
  }
  const { rulCycles, low, high } = model.predict(history);
  const slopes = recentSlopes(history, model.features);
  return {
    unitId,
    flag: rulCycles <= thresholdCycles,
    thresholdCycles,
    predictedCyclesLeft: rulCycles,
    interval: [low, high],
    confidence: model.probabilityAtMost(rulCycles, thresholdCycles),
    evidence: {
      recentTrend: model.channels.map((channel, c) => ({ channel, slopePerCycle: slopes[c] ?? 0 })),
      cyclesObserved: history.length,
      windowCycles: Math.min(history.length, model.features.window),
    },
  };
}
