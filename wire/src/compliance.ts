import type { Measurements } from './reading';

/** Inclusive limits of one measurement; a reading outside them is a breach. */
export interface Bounds {
  min?: number;
  max?: number;
}

/**
 * The conditions a shipment must travel in. Units follow the reading's field names (°C, %RH, g, mm/s).
 * Shock and vibration have only a ceiling: there is no such thing as too little of either.
 */
export interface ComplianceProfile {
  temperatureC?: Bounds;
  humidityPct?: Bounds;
  shockG?: { max: number };
  vibrationMmS?: { max: number };
}

export type ComplianceMetric = keyof ComplianceProfile;

/**
 * Which limits each measurement may state, in the one order in which breaches are evaluated, written and
 * reported. The chaincode and the simulator's expectations both walk this list, so every endorser and every
 * test names and orders breaches identically.
 */
export const COMPLIANCE_LIMITS: readonly { metric: ComplianceMetric; limits: readonly ('min' | 'max')[] }[] =
  [
    { metric: 'temperatureC', limits: ['min', 'max'] },
    { metric: 'humidityPct', limits: ['min', 'max'] },
    { metric: 'shockG', limits: ['max'] },
    { metric: 'vibrationMmS', limits: ['max'] },
  ];

/** Every rule a profile can state, as named in breach records: `<measurement>.<min|max>`. */
export const COMPLIANCE_RULES: readonly string[] = COMPLIANCE_LIMITS.flatMap(({ metric, limits }) =>
  limits.map((limit) => `${metric}.${limit}`),
);

/** One broken rule of one reading. */
export interface Violation {
  rule: string;
  limit: number;
  observed: number;
}

/** The rules a reading's measurements break under a profile, in {@link COMPLIANCE_RULES} order. */
export function evaluateCompliance(profile: ComplianceProfile, measurements: Measurements): Violation[] {
  const violations: Violation[] = [];
  for (const { metric } of COMPLIANCE_LIMITS) {
    const bounds: Bounds | undefined = profile[metric];
    const observed = measurements[metric];
    if (bounds === undefined || observed === undefined) continue;
    if (bounds.min !== undefined && observed < bounds.min) {
      violations.push({ rule: `${metric}.min`, limit: bounds.min, observed });
    }
    if (bounds.max !== undefined && observed > bounds.max) {
      violations.push({ rule: `${metric}.max`, limit: bounds.max, observed });
    }
  }
  return violations;
}
