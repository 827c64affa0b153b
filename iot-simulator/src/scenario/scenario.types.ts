import type { ComplianceProfile, Location, Measurements } from '@provena/wire';

/** The numeric measurements a compliance rule or a sensor can name. */
export type NumericMeasurement = Exclude<keyof Measurements, 'location'>;
/** Every measurement name, as used by a cold-chain device's `report` list. */
export type MeasurementName = keyof Measurements;

/** Limits one shipment must stay within: the chaincode's own profile type, so a scenario states only what the ledger accepts. */
export type { ComplianceProfile };

export interface Organisation {
  id: string;
  name: string;
}

export interface Product {
  id: string;
  name: string;
  unit: string;
}

export interface Route {
  id: string;
  waypoints: Location[];
}

/** A custody hand-over of a shipment. A rejected one leaves custody with `fromOrg`. */
export interface Handover {
  atMs: number;
  fromOrg: string;
  toOrg: string;
  rejects: boolean;
}

export interface Shipment {
  id: string;
  productId: string;
  quantity: number;
  originOrg: string;
  destinationOrg: string;
  routeId: string;
  departAtMs: number;
  arriveAtMs: number;
  compliance: ComplianceProfile;
  handovers: Handover[];
  /** Private to the trading organisations on the ledger; absent when the scenario names none. */
  commercialTerms?: CommercialTermsSpec;
}

/** A shipment's commercial terms as a scenario states them (decimal strings, as the ledger keeps them). */
export interface CommercialTermsSpec {
  price: { amount: string; currency: string };
  quantity: { amount: string; unit: string };
  customer: string;
}

export interface ColdChainParams {
  type: 'cold-chain';
  report: MeasurementName[];
  setPointC: number;
  noiseC: number;
  doorOpenings: { ratePerHour: number; peakC: number; decayMinutes: number; humidityPct: number };
  reeferFailure?: { atMs: number; driftCPerHour: number; ambientC: number };
  humidity: { basePct: number; noisePct: number };
  shock: { baseG: number; noiseG: number; handlingG: number; dropsPerDay: number; dropG: number };
  gps: { noiseM: number };
  battery: { startPct: number; drainPctPerDay: number };
}

export type MachineKind = 'reefer-compressor' | 'conveyor';

/**
 * Vibration of a machine as it wears: baseline + linear·age + exponential·(e^(age/τ) − 1), age in days since
 * the last maintenance, scaled per wear cycle by a log-normal unit factor.
 */
export interface EquipmentParams {
  type: 'equipment';
  machine: MachineKind;
  baselineMmS: number;
  linearMmSPerDay: number;
  exponentialMmS: number;
  exponentialTauDays: number;
  unitVariation: number;
  noisePct: number;
  failureThresholdMmS: number;
  ambientC: number;
  heatCPerMmS: number;
  tempNoiseC: number;
  initialAgeDays: number;
  repairHours: number;
  maintenanceAtMs: number[];
}

export type SensorModel = ColdChainParams | EquipmentParams;

export interface DeviceSpec {
  id: string;
  /** What the device is, as the registry records it (e.g. `reefer-logger`); summaries count readings by it. */
  kind: string;
  ownerOrg: string;
  shipmentId?: string;
  readingIntervalMs: number;
  metadata: Record<string, string>;
  model: SensorModel;
}

export interface Promotion {
  fromMs: number;
  /** Inclusive: the promotion's last day starts here. */
  toMs: number;
  lift: number;
}

export type DemandNoise = { type: 'poisson' } | { type: 'negative-binomial'; dispersion: number };

export interface DemandSpec {
  productId: string;
  location: string;
  originOrg: string;
  destinationOrg: string;
  baseOrdersPerDay: number;
  trendPerYear: number;
  /** Multipliers Monday..Sunday. */
  weekly: number[];
  yearly: { amplitude: number; peakDayOfYear: number };
  promotions: Promotion[];
  noise: DemandNoise;
  unitsPerOrder: number;
}

/** A validated scenario: every time is Unix milliseconds (UTC), every duration milliseconds, defaults filled in. */
export interface Scenario {
  name: string;
  description: string;
  seed: number;
  startMs: number;
  durationMs: number;
  /** Simulated seconds per wall-clock second when publishing. */
  timeCompression: number;
  readingIntervalMs: number;
  organisations: Organisation[];
  products: Product[];
  routes: Route[];
  shipments: Shipment[];
  devices: DeviceSpec[];
  demand: DemandSpec[];
}
