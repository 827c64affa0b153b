import { MaintenanceError, MaintenanceErrorCode } from './maintenance-error';

/**
 * The observed life of one unit (an engine, a pump, a reefer compressor): one row per operating cycle, oldest
 * first, each row holding one value per channel in the order of the {@link ChannelNames} that travel with it.
 * Channels are plain numbers so the same pipeline takes C-MAPSS sensors or per-cycle aggregates of ledger
 * telemetry (mean vibration, peak temperature, ...).
 *
 * @example
 * ```ts
 * const channels: ChannelNames = ['vibration_rms', 'bearing_temp_max'];
 * const pump: UnitHistory = { unitId: 'pump-7', rows: [[0.42, 61.0], [0.44, 61.3]] };
 * ```
 */
export interface UnitHistory {
  readonly unitId: string;
  /** One row per cycle, oldest first; `rows[i][c]` is channel `c` in cycle `i + 1`. */
  readonly rows: readonly (readonly number[])[];
}

/** Names of the channels of a set of {@link UnitHistory} rows, in column order. */
export type ChannelNames = readonly string[];

/**
 * Checks that every row of every history has one finite value per channel, so a ragged or NaN-carrying history
 * fails here, by unit and cycle, instead of as a NaN deep inside a model.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT
 */
export function checkHistories(
  units: readonly UnitHistory[],
  channelCount: number,
  { allowEmpty = false }: { allowEmpty?: boolean } = {},
): void {
  for (const unit of units) {
    if (!allowEmpty && unit.rows.length === 0) {
      throw new MaintenanceError(
        MaintenanceErrorCode.InvalidInput,
        `unit ${unit.unitId}: history has no rows`,
      );
    }
    checkRows(unit.rows, channelCount, `unit ${unit.unitId}`);
  }
}

/**
 * {@link checkHistories} for one bare history.
 * @throws {@link MaintenanceError} MAINTENANCE_INVALID_INPUT
 */
export function checkRows(
  rows: readonly (readonly number[])[],
  channelCount: number,
  what = 'history',
): void {
  rows.forEach((row, index) => {
    if (row.length !== channelCount) {
      throw new MaintenanceError(
        MaintenanceErrorCode.InvalidInput,
        `${what}, cycle ${index + 1}: ${row.length} values, expected ${channelCount} (one per channel)`,
      );
    }
    const bad = row.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      throw new MaintenanceError(
        MaintenanceErrorCode.InvalidInput,
        `${what}, cycle ${index + 1}: channel ${bad} is ${String(row[bad])}, not a finite number`,
      );
    }
  });
}
