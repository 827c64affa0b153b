import { describeValue, isJsonObject, type Fields, type IssueCollector } from './json-checker';
import type {
  ColdChainParams,
  EquipmentParams,
  MachineKind,
  MeasurementName,
  SensorModel,
} from './scenario.types';

const MEASUREMENTS: readonly MeasurementName[] = [
  'temperatureC',
  'humidityPct',
  'shockG',
  'batteryPct',
  'location',
  'vibrationMmS',
];
const COLD_CHAIN_REPORTS: readonly MeasurementName[] = MEASUREMENTS.filter((m) => m !== 'vibrationMmS');

/** Defaults of a reefer data logger: a vaccine-grade set point, a door opened every ten hours or so. */
export const COLD_CHAIN_DEFAULTS: Omit<ColdChainParams, 'reeferFailure'> = {
  type: 'cold-chain',
  report: [...COLD_CHAIN_REPORTS],
  setPointC: 5,
  noiseC: 0.15,
  doorOpenings: { ratePerHour: 0.1, peakC: 3, decayMinutes: 10, humidityPct: 12 },
  humidity: { basePct: 70, noisePct: 1.5 },
  shock: { baseG: 0.2, noiseG: 0.1, handlingG: 4, dropsPerDay: 0, dropG: 15 },
  gps: { noiseM: 8 },
  battery: { startPct: 100, drainPctPerDay: 2 },
};

type MachineDefaults = Omit<EquipmentParams, 'type' | 'machine' | 'maintenanceAtMs'>;

const COMMON_EQUIPMENT = {
  unitVariation: 0.15,
  noisePct: 5,
  tempNoiseC: 0.4,
  initialAgeDays: 0,
  repairHours: 8,
};

/**
 * Per machine: a new unit's RMS vibration, how fast it wears, and the alarm level. 7.1 mm/s is the ISO 10816-3
 * zone C/D boundary for medium machines on flexible mounts; the wear rates give a nominal life of about two weeks
 * (compressor) and three to four weeks (conveyor) so a scenario of a few weeks shows whole cycles.
 */
export const EQUIPMENT_DEFAULTS: Readonly<Record<MachineKind, MachineDefaults>> = {
  'reefer-compressor': {
    ...COMMON_EQUIPMENT,
    baselineMmS: 1.8,
    linearMmSPerDay: 0.03,
    exponentialMmS: 0.08,
    exponentialTauDays: 3,
    failureThresholdMmS: 7.1,
    ambientC: 30,
    heatCPerMmS: 2.5,
  },
  conveyor: {
    ...COMMON_EQUIPMENT,
    baselineMmS: 1,
    linearMmSPerDay: 0.02,
    exponentialMmS: 0.05,
    exponentialTauDays: 5,
    failureThresholdMmS: 7.1,
    ambientC: 22,
    heatCPerMmS: 1.5,
  },
};

function parseColdChain(f: Fields, issues: IssueCollector, startMs: number | undefined): ColdChainParams {
  const d = COLD_CHAIN_DEFAULTS;
  let report = d.report;
  const reportList = f.array('report', { minItems: 1 });
  if (reportList) {
    const valid = reportList.filter((name, i): name is MeasurementName => {
      const ok = typeof name === 'string' && COLD_CHAIN_REPORTS.includes(name as MeasurementName);
      if (!ok) issues.add(`${f.at('report')}[${i}]`, `must be one of ${COLD_CHAIN_REPORTS.join(', ')}`);
      return ok;
    });
    if (new Set(valid).size !== valid.length) f.report('report', 'names a measurement twice');
    report = valid;
  }
  const doors = f.object('doorOpenings', ['ratePerHour', 'peakC', 'decayMinutes', 'humidityPct']);
  const failure = f.object('reeferFailure', ['at', 'driftCPerHour', 'ambientC']);
  const humidity = f.object('humidity', ['basePct', 'noisePct']);
  const shock = f.object('shock', ['baseG', 'noiseG', 'handlingG', 'dropsPerDay', 'dropG']);
  const gps = f.object('gps', ['noiseM']);
  const battery = f.object('battery', ['startPct', 'drainPctPerDay']);
  const params: ColdChainParams = {
    type: 'cold-chain',
    report,
    setPointC: f.numberOr('setPointC', d.setPointC, { min: -80, max: 60 }),
    noiseC: f.numberOr('noiseC', d.noiseC, { min: 0, max: 10 }),
    doorOpenings: {
      ratePerHour:
        doors?.numberOr('ratePerHour', d.doorOpenings.ratePerHour, { min: 0, max: 60 }) ??
        d.doorOpenings.ratePerHour,
      peakC: doors?.numberOr('peakC', d.doorOpenings.peakC, { min: 0, max: 60 }) ?? d.doorOpenings.peakC,
      decayMinutes:
        doors?.numberOr('decayMinutes', d.doorOpenings.decayMinutes, { above: 0, max: 1440 }) ??
        d.doorOpenings.decayMinutes,
      humidityPct:
        doors?.numberOr('humidityPct', d.doorOpenings.humidityPct, { min: 0, max: 100 }) ??
        d.doorOpenings.humidityPct,
    },
    humidity: {
      basePct: humidity?.numberOr('basePct', d.humidity.basePct, { min: 0, max: 100 }) ?? d.humidity.basePct,
      noisePct:
        humidity?.numberOr('noisePct', d.humidity.noisePct, { min: 0, max: 50 }) ?? d.humidity.noisePct,
    },
    shock: {
      baseG: shock?.numberOr('baseG', d.shock.baseG, { min: 0, max: 100 }) ?? d.shock.baseG,
      noiseG: shock?.numberOr('noiseG', d.shock.noiseG, { min: 0, max: 100 }) ?? d.shock.noiseG,
      handlingG: shock?.numberOr('handlingG', d.shock.handlingG, { min: 0, max: 400 }) ?? d.shock.handlingG,
      dropsPerDay:
        shock?.numberOr('dropsPerDay', d.shock.dropsPerDay, { min: 0, max: 1000 }) ?? d.shock.dropsPerDay,
      dropG: shock?.numberOr('dropG', d.shock.dropG, { min: 0, max: 400 }) ?? d.shock.dropG,
    },
    gps: { noiseM: gps?.numberOr('noiseM', d.gps.noiseM, { min: 0, max: 10_000 }) ?? d.gps.noiseM },
    battery: {
      startPct: battery?.numberOr('startPct', d.battery.startPct, { min: 0, max: 100 }) ?? d.battery.startPct,
      drainPctPerDay:
        battery?.numberOr('drainPctPerDay', d.battery.drainPctPerDay, { min: 0, max: 100 }) ??
        d.battery.drainPctPerDay,
    },
  };
  if (failure) {
    const atMs = failure.instant('at', startMs, { required: true });
    if (atMs !== undefined) {
      params.reeferFailure = {
        atMs,
        driftCPerHour: failure.numberOr('driftCPerHour', 1.5, { above: 0, max: 1000 }),
        ambientC: failure.numberOr('ambientC', 25, { min: -60, max: 80 }),
      };
      if (params.reeferFailure.ambientC <= params.setPointC) {
        failure.report('ambientC', `must be above setPointC (${params.setPointC}) for the unit to warm up`);
      }
    }
  }
  return params;
}

function parseEquipment(f: Fields, issues: IssueCollector, startMs: number | undefined): EquipmentParams {
  const machine =
    f.oneOf('machine', ['reefer-compressor', 'conveyor'] as const, { required: true }) ?? 'conveyor';
  const d = EQUIPMENT_DEFAULTS[machine];
  const maintenanceAtMs: number[] = [];
  const list = f.array('maintenance');
  list?.forEach((item, i) => {
    const ms = issues.instant(item, `${f.at('maintenance')}[${i}]`, startMs);
    if (ms !== undefined) maintenanceAtMs.push(ms);
  });
  const params: EquipmentParams = {
    type: 'equipment',
    machine,
    baselineMmS: f.numberOr('baselineMmS', d.baselineMmS, { above: 0, max: 100 }),
    linearMmSPerDay: f.numberOr('linearMmSPerDay', d.linearMmSPerDay, { min: 0, max: 100 }),
    exponentialMmS: f.numberOr('exponentialMmS', d.exponentialMmS, { min: 0, max: 100 }),
    exponentialTauDays: f.numberOr('exponentialTauDays', d.exponentialTauDays, { above: 0, max: 3650 }),
    unitVariation: f.numberOr('unitVariation', d.unitVariation, { min: 0, max: 2 }),
    noisePct: f.numberOr('noisePct', d.noisePct, { min: 0, max: 100 }),
    failureThresholdMmS: f.numberOr('failureThresholdMmS', d.failureThresholdMmS, { above: 0, max: 1000 }),
    ambientC: f.numberOr('ambientC', d.ambientC, { min: -60, max: 100 }),
    heatCPerMmS: f.numberOr('heatCPerMmS', d.heatCPerMmS, { min: 0, max: 20 }),
    tempNoiseC: f.numberOr('tempNoiseC', d.tempNoiseC, { min: 0, max: 20 }),
    initialAgeDays: f.numberOr('initialAgeDays', d.initialAgeDays, { min: 0, max: 3650 }),
    repairHours: f.numberOr('repairHours', d.repairHours, { above: 0, max: 8760 }),
    maintenanceAtMs: maintenanceAtMs.sort((a, b) => a - b),
  };
  if (params.failureThresholdMmS <= params.baselineMmS) {
    f.report(
      'failureThresholdMmS',
      `must be above baselineMmS (${params.baselineMmS}): a new machine cannot start failed`,
    );
  }
  if (params.linearMmSPerDay === 0 && params.exponentialMmS === 0) {
    f.report('linearMmSPerDay', 'and exponentialMmS cannot both be 0: the machine would never wear');
  }
  return params;
}

const COLD_CHAIN_FIELDS = [
  'type',
  'report',
  'setPointC',
  'noiseC',
  'doorOpenings',
  'reeferFailure',
  'humidity',
  'shock',
  'gps',
  'battery',
];
const EQUIPMENT_FIELDS = ['type', 'machine', ...Object.keys(EQUIPMENT_DEFAULTS.conveyor), 'maintenance'];

/** Parses a device's `model` object, filling every parameter the author left out with the documented default. */
export function parseSensorModel(
  value: unknown,
  path: string,
  issues: IssueCollector,
  startMs: number | undefined,
): SensorModel | undefined {
  if (!isJsonObject(value)) {
    issues.add(path, `must be an object, got ${describeValue(value)}`);
    return undefined;
  }
  const type = value.type;
  if (type !== 'cold-chain' && type !== 'equipment') {
    issues.add(`${path}.type`, `must be "cold-chain" or "equipment", got ${describeValue(type)}`);
    return undefined;
  }
  // The field list depends on the type, so a cold-chain model carrying `machine` is reported, not ignored.
  const fields = issues.fields(value, path, type === 'cold-chain' ? COLD_CHAIN_FIELDS : EQUIPMENT_FIELDS);
  if (!fields) return undefined;
  return type === 'cold-chain'
    ? parseColdChain(fields, issues, startMs)
    : parseEquipment(fields, issues, startMs);
}
