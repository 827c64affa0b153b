import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';
import type { ChannelNames } from './unit-history';

/** How a history is summarised into model inputs. */
export interface RulFeatureOptions {
  /** Cycles the window mean and slope look back over; shorter histories use what they have. Default 30. */
  readonly window?: number;
  /**
   * Weight of the newest value in the exponentially smoothed level, in (0, 1]. Default 0.1: about 20 cycles of
   * memory, which averages out sensor noise but still follows the late, fast part of a degradation.
   */
  readonly smoothing?: number;
  /** Add the number of cycles observed. Default true: wear accumulates with use even where sensors lag. */
  readonly cycleCount?: boolean;
}

/** {@link RulFeatureOptions} with every default filled in, as stored in a model. */
export type ResolvedRulFeatureOptions = Required<RulFeatureOptions>;

/**
 * Fills in defaults and checks ranges.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT
 */
export function resolveRulFeatureOptions(options: RulFeatureOptions = {}): ResolvedRulFeatureOptions {
  const resolved = { window: 30, smoothing: 0.1, cycleCount: true, ...options };
  if (!Number.isInteger(resolved.window) || resolved.window < 2) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `window must be an integer >= 2, got ${resolved.window}`,
    );
  }
  if (!(resolved.smoothing > 0 && resolved.smoothing <= 1)) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      `smoothing must be in (0, 1], got ${resolved.smoothing}`,
    );
  }
  return resolved;
}

/** Names of the values {@link rulFeatures} returns, in order: `<channel>.mean`, `.slope`, `.smoothed`, then `cycles`. */
export function rulFeatureNames(channels: ChannelNames, options: RulFeatureOptions = {}): string[] {
  const { cycleCount } = resolveRulFeatureOptions(options);
  return [
    ...channels.flatMap((channel) => [`${channel}.mean`, `${channel}.slope`, `${channel}.smoothed`]),
    ...(cycleCount ? ['cycles'] : []),
  ];
}

/**
 * Features of a history at its last row: per channel the mean and least-squares slope (per cycle) of the last
 * `window` cycles and the exponentially smoothed level, then the number of cycles observed. The mean and the
 * smoothed level say where the unit stands, the slope how fast it is moving; both matter because a unit can be
 * worn but stable or fresh but degrading fast.
 *
 * @example
 * ```ts
 * rulFeatures([[1, 10], [2, 10], [3, 10]], { window: 30 }); // [2, 1, 1.29, 10, 0, 10, 3]
 * ```
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when the history has no rows.
 */
export function rulFeatures(
  history: readonly (readonly number[])[],
  options: RulFeatureOptions = {},
): number[] {
  if (history.length === 0) {
    throw new MaintenanceError(
      MaintenanceErrorCode.InvalidInput,
      'a history needs at least one row for features',
    );
  }
  const [last] = rulFeatureSeries(history, options, [history.length]);
  return last ?? [];
}

/**
 * {@link rulFeatures} of the first `length` rows of `history`, for each of `lengths` (default: every length from 1
 * to the whole history). One pass computes the smoothed levels for all of them, so cutting a unit's life at every
 * cycle to make training samples costs the window, not the history, per sample.
 */
export function rulFeatureSeries(
  history: readonly (readonly number[])[],
  options: RulFeatureOptions = {},
  lengths: readonly number[] = history.map((_, i) => i + 1),
): number[][] {
  const { window, smoothing, cycleCount } = resolveRulFeatureOptions(options);
  const channelCount = history[0]?.length ?? 0;
  // smoothed[i][c]: the exponentially smoothed level after row i, started at the first value so short histories
  // are not pulled towards zero.
  const smoothed: number[][] = [];
  history.forEach((row, i) => {
    const previous = smoothed[i - 1];
    smoothed.push(
      row.map((value, c) => (previous ? previous[c]! + smoothing * (value - previous[c]!) : value)),
    );
  });
  return lengths.map((length) => {
    if (!Number.isInteger(length) || length < 1 || length > history.length) {
      throw new MaintenanceError(
        MaintenanceErrorCode.InvalidInput,
        `feature length ${length} is outside the history's 1..${history.length} rows`,
      );
    }
    const start = Math.max(0, length - window);
    const n = length - start;
    const features: number[] = [];
    for (let c = 0; c < channelCount; c += 1) {
      let sum = 0;
      for (let i = start; i < length; i += 1) sum += history[i]![c]!;
      const mean = sum / n;
      // Least squares against centred time; a one-row window has no slope, and 0 is the honest guess.
      const centre = (n - 1) / 2;
      let covariance = 0;
      let spread = 0;
      for (let i = start; i < length; i += 1) {
        const t = i - start - centre;
        covariance += t * (history[i]![c]! - mean);
        spread += t * t;
      }
      features.push(mean, spread > 0 ? covariance / spread : 0, smoothed[length - 1]![c]!);
    }
    if (cycleCount) features.push(length);
    return features;
  });
}

/**
 * Least-squares slope per cycle of each channel over the last `window` cycles of `history`, in the channel's own
 * units: what a person checks first when told a unit is wearing out.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when the history has no rows.
 */
export function recentSlopes(
  history: readonly (readonly number[])[],
  options: RulFeatureOptions = {},
): number[] {
  const features = rulFeatures(history, { ...options, cycleCount: false });
  // rulFeatures lays out (mean, slope, smoothed) per channel.
  return features.filter((_, j) => j % 3 === 1);
}

/** A {@link FeatureScaler} as JSON: per-feature means and standard deviations. */
export interface FeatureScalerJson {
  readonly means: readonly number[];
  readonly scales: readonly number[];
}

/**
 * Standardises feature vectors to zero mean and unit variance with statistics learned from training data only,
 * so the model never sees a test set's mean, and ridge's penalty and the network's initial weights treat every
 * feature alike whatever its unit (rpm against pressure ratios).
 */
export interface FeatureScaler {
  transform(features: readonly number[]): number[];
  toJSON(): FeatureScalerJson;
}

/**
 * Learns a {@link FeatureScaler} from training feature rows. A feature that does not vary keeps scale 1, so it
 * maps to 0 rather than to a division by zero.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT when there are no rows.
 */
export function fitFeatureScaler(rows: readonly (readonly number[])[]): FeatureScaler {
  const first = rows[0];
  if (!first)
    throw new MaintenanceError(MaintenanceErrorCode.InvalidInput, 'no rows to fit a feature scaler on');
  const means = first.map((_, j) => rows.reduce((sum, row) => sum + row[j]!, 0) / rows.length);
  const scales = means.map((mean, j) => {
    const variance = rows.reduce((sum, row) => sum + (row[j]! - mean) ** 2, 0) / rows.length;
    const sd = Math.sqrt(variance);
    return sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  });
  return restoreFeatureScaler({ means, scales });
}

/**
 * Rebuilds a {@link FeatureScaler} from its JSON.
 * @throws {@link MaintenanceError} MAINTENANCE_MODEL_INVALID when means and scales differ in length or a scale
 * is not a positive finite number.
 */
export function restoreFeatureScaler(json: FeatureScalerJson): FeatureScaler {
  const means = [...json.means];
  const scales = [...json.scales];
  if (means.length !== scales.length || !scales.every((s) => Number.isFinite(s) && s > 0)) {
    throw new MaintenanceError(MaintenanceErrorCode.ModelInvalid, 'feature scaler: bad means or scales');
  }
  return {
    transform(features) {
      if (features.length !== means.length) {
        throw new MaintenanceError(
          MaintenanceErrorCode.InvalidInput,
          `feature scaler expects ${means.length} features, got ${features.length}`,
        );
      }
      return features.map((value, j) => (value - means[j]!) / scales[j]!);
    },
    toJSON: () => ({ means: [...means], scales: [...scales] }),
  };
}
