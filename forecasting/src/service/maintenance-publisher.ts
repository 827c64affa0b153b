import { forecastValuesHash, modelHash, type ForecastAnchorInput, type ForecastValues } from '@provena/wire';
import { assessMaintenance } from '../maintenance/maintenance-flag';
import type { RulModel } from '../maintenance/rul-model';
import type { UnitHistory } from '../maintenance/unit-history';
import { splitEquipmentRuns, type EquipmentHour, type RunSplitOptions } from './equipment-runs';
import { anchorAndStore, forecastRunId } from './forecast-publisher';
import type { ForecastActor, ForecastLedgerPort } from './forecast-ledger.port';
import type { ForecastStore } from './forecast-store';
import type { ModelCard, PublishedForecast } from './published-forecast';

export interface Machine {
  readonly deviceId: string;
  readonly hours: EquipmentHour[];
  readonly fromBlock: string;
  readonly toBlock: string;
}

export interface MaintenanceOptions {
  /** Flag a machine predicted to fail within this many hours. */
  readonly thresholdHours: number;
  /** Run-to-failure histories needed before a model is trained; fewer, and no flag is published. */
  readonly minFailures: number;
  readonly split: RunSplitOptions;
  readonly actor: ForecastActor;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
}

export interface MaintenanceOutcome {
  readonly published: PublishedForecast[];
  /** Why nothing was published, when nothing was. */
  readonly skipped: string | null;
}

/** The run-to-failure histories of the fleet, read from its telemetry. */
export function failureHistories(machines: readonly Machine[], split: RunSplitOptions): UnitHistory[] {
  return machines.flatMap((m) => splitEquipmentRuns(m.deviceId, m.hours, split).failures);
}

/**
 * Assesses every running machine with a remaining-useful-life model trained on the fleet's own run-to-failure
 * histories (cycles are hours), and publishes one anchored maintenance flag per machine: predicted hours left as
 * the value, its interval as the bounds, and the evidence (recent trend per channel, hours observed) beside it.
 */
export async function publishMaintenanceFlags(
  machines: readonly Machine[],
  train: (units: UnitHistory[]) => Promise<RulModel>,
  ledger: ForecastLedgerPort,
  store: ForecastStore,
  options: MaintenanceOptions,
): Promise<MaintenanceOutcome> {
  const failures = failureHistories(machines, options.split);
  if (failures.length < options.minFailures) {
    return {
      published: [],
      skipped: `${failures.length} run-to-failure histories on the ledger, need ${options.minFailures} to train`,
    };
  }
  const model = await train(failures);
  const json = model.toJSON();
  const digest = modelHash({
    kind: json.kind,
    config: json.config,
    weights: {
      scaler: json.scaler,
      members: json.members,
      residuals: json.residuals,
      mean: json.trainingMean,
    },
  });
  const chosen = json.cvMetrics.candidates.find((c) => c.name === json.cvMetrics.chosen)!;
  const modelKind = `rul(${json.cvMetrics.chosen.toLowerCase().replace(/[^a-z0-9+-]+/g, '-')})`.slice(0, 64);
  const trainingPoints = failures.reduce((n, u) => n + u.rows.length, 0);
  const blocks = {
    from: machines
      .map((m) => BigInt(m.fromBlock))
      .reduce((a, b) => (b < a ? b : a))
      .toString(),
    to: machines
      .map((m) => BigInt(m.toBlock))
      .reduce((a, b) => (b > a ? b : a))
      .toString(),
  };
  const published: PublishedForecast[] = [];
  for (const machine of machines) {
    const { current } = splitEquipmentRuns(machine.deviceId, machine.hours, options.split);
    if (!current) continue;
    const assessment = assessMaintenance(machine.deviceId, current, model, {
      thresholdCycles: options.thresholdHours,
    });
    const values: ForecastValues = {
      seriesId: `maintenance:${machine.deviceId}`,
      step: 'cycle',
      origin: String(current.length + 1),
      point: [assessment.predictedCyclesLeft],
      lower: [assessment.interval[0]],
      upper: [assessment.interval[1]],
      level: json.config.intervalCoverage,
    };
    const valuesHash = forecastValuesHash(values);
    const anchor: ForecastAnchorInput = {
      runId: forecastRunId(values, valuesHash, digest),
      seriesId: values.seriesId,
      purpose: 'maintenance',
      horizon: 1,
      valuesHash,
      modelKind,
      modelHash: digest,
      trainingBlocks: blocks,
      trainingPoints,
      metrics: {
        'cv.rmse': chosen.rmse,
        'cv.mae': chosen.mae,
        'cv.f1at30': chosen.f1At30,
        failures: failures.length,
      },
    };
    const first = machine.hours[0]!;
    const last = machine.hours[machine.hours.length - 1]!;
    const modelCard: ModelCard = {
      kind: modelKind,
      modelHash: digest,
      fallback: null,
      validation: {
        metric: 'RMSE',
        scores: Object.fromEntries(json.cvMetrics.candidates.map((c) => [c.name, c.rmse])),
      },
      training: {
        from: new Date(first.hour * 3_600_000).toISOString(),
        to: new Date(last.hour * 3_600_000).toISOString(),
        points: trainingPoints,
        blocks,
      },
      config: { ...json.config, thresholdHours: options.thresholdHours, split: options.split },
    };
    const forecast = await anchorAndStore(
      { values, anchor, modelCard, maintenance: assessment },
      ledger,
      store,
      options,
    );
    published.push(forecast);
    options.log(
      `maintenance ${machine.deviceId}: ${assessment.predictedCyclesLeft.toFixed(0)} h left ` +
        `(${assessment.interval[0].toFixed(0)}-${assessment.interval[1].toFixed(0)}), flag ${assessment.flag}, ` +
        `anchored in tx ${forecast.ledger.txId}`,
    );
  }
  return { published, skipped: null };
}
