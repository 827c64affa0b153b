import { evaluateCompliance } from '@provena/wire';
import type { Shipment } from '../scenario/scenario.types';
import type { Sample } from './sample';

/** A run of consecutive readings of one device outside one limit of its shipment's compliance profile. */
export interface Excursion {
  shipmentId: string;
  deviceId: string;
  /** `temperatureC.max`, `shockG.max`, ... */
  rule: string;
  limit: number;
  fromMs: number;
  toMs: number;
  readings: number;
  /** The reading furthest beyond the limit. */
  worst: number;
}

export interface ComplianceTally {
  /** Readings with at least one value outside its shipment's profile. */
  breachingReadings: number;
  /** Rule violations, counted per reading and rule: what a ledger recording one breach per violating value holds. */
  violations: Record<string, number>;
  excursions: Excursion[];
}

/**
 * Counts the breaches a scenario's readings should raise: the expectation an end-to-end test compares the
 * ledger's ComplianceBreach events with.
 */
export interface ComplianceTracker {
  observe(sample: Sample): void;
  tally(): ComplianceTally;
}

export function newComplianceTracker(shipments: readonly Shipment[]): ComplianceTracker {
  const byId = new Map(shipments.map((s) => [s.id, s]));
  // Each shipment's rules, `<measurement>.<min|max>`, once rather than per reading.
  const rulesOf = new Map(
    shipments.map((s) => [
      s.id,
      Object.entries(s.compliance).flatMap(([name, bounds]) =>
        Object.keys(bounds).map((bound) => `${name}.${bound}`),
      ),
    ]),
  );
  const open = new Map<string, Excursion>();
  const excursions: Excursion[] = [];
  const violations: Record<string, number> = {};
  let breachingReadings = 0;
  return {
    observe(sample) {
      const shipment = sample.shipmentId === undefined ? undefined : byId.get(sample.shipmentId);
      if (!shipment) return;
      // The chaincode's own evaluator, so the expectation names and counts breaches as the ledger will.
      const broken = new Map(
        evaluateCompliance(shipment.compliance, sample.measurements).map((v) => [v.rule, v]),
      );
      for (const rule of rulesOf.get(shipment.id) ?? []) {
        const key = `${shipment.id}/${sample.deviceId}/${rule}`;
        const violation = broken.get(rule);
        if (!violation) {
          open.delete(key);
          continue;
        }
        violations[rule] = (violations[rule] ?? 0) + 1;
        const beyondMin = rule.endsWith('.min');
        const current = open.get(key);
        if (current) {
          current.toMs = sample.measuredAt;
          current.readings++;
          current.worst = beyondMin
            ? Math.min(current.worst, violation.observed)
            : Math.max(current.worst, violation.observed);
        } else {
          const excursion: Excursion = {
            shipmentId: shipment.id,
            deviceId: sample.deviceId,
            rule,
            limit: violation.limit,
            fromMs: sample.measuredAt,
            toMs: sample.measuredAt,
            readings: 1,
            worst: violation.observed,
          };
          open.set(key, excursion);
          excursions.push(excursion);
        }
      }
      const breached = broken.size > 0;
      if (breached) breachingReadings++;
    },
    tally() {
      return {
        breachingReadings,
        violations: { ...violations },
        excursions: excursions.map((e) => ({ ...e })),
      };
    },
  };
}
