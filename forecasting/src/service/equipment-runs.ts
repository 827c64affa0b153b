import type { UnitHistory } from '../maintenance/unit-history';

/** One hour of one machine: mean RMS vibration (mm/s) and mean housing temperature (°C). */
export interface EquipmentHour {
  readonly hour: number;
  readonly vibrationMmS: number;
  readonly temperatureC: number;
}

export const EQUIPMENT_CHANNELS = ['vibrationMmS', 'temperatureC'] as const;

export interface RunSplitOptions {
  /** Mean vibration below this means the machine stands still: it failed (or is off). Default 0.3 mm/s. */
  readonly stoppedMmS: number;
  /**
   * An hour whose vibration is below this share of the previous hour's, with the machine running, is a
   * maintenance: wear was reset. Default 0.6.
   */
  readonly maintenanceDrop: number;
}

export const DEFAULT_RUN_SPLIT: RunSplitOptions = { stoppedMmS: 0.3, maintenanceDrop: 0.6 };

export interface EquipmentRuns {
  /** Runs that ended with the machine standing still: run-to-failure histories, one row per hour. */
  readonly failures: UnitHistory[];
  /** The first standing-still hour after each failure run, in the same order. */
  readonly failedAtHour: number[];
  /** The hours since the last failure or maintenance, when the machine is running now. */
  readonly current: number[][] | null;
}

/**
 * Cuts a machine's hourly telemetry into runs. The ledger records no failure or maintenance events, only what the
 * sensors saw, so the runs are read from the signal: a failed machine stands still (vibration at sensor noise),
 * and a serviced one restarts with a sudden drop in vibration. Gaps of missing hours also end a run.
 */
export function splitEquipmentRuns(
  deviceId: string,
  hours: readonly EquipmentHour[],
  options: RunSplitOptions = DEFAULT_RUN_SPLIT,
): EquipmentRuns {
  const failures: UnitHistory[] = [];
  const failedAtHour: number[] = [];
  let run: number[][] = [];
  let previous: EquipmentHour | undefined;
  let stopped = false;
  for (const h of hours) {
    const isStopped = h.vibrationMmS < options.stoppedMmS;
    if (isStopped) {
      if (!stopped && run.length > 0) {
        failures.push({ unitId: `${deviceId}#${failures.length + 1}`, rows: run });
        failedAtHour.push(h.hour);
      }
      run = [];
    } else {
      const gap = previous !== undefined && h.hour !== previous.hour + 1;
      const serviced =
        previous !== undefined &&
        !stopped &&
        h.vibrationMmS < options.maintenanceDrop * previous.vibrationMmS;
      if (gap || serviced) run = [];
      run.push([h.vibrationMmS, h.temperatureC]);
    }
    stopped = isStopped;
    previous = h;
  }
  return { failures, failedAtHour, current: stopped || run.length === 0 ? null : run };
}
