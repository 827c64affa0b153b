import { newComplianceTracker, type ComplianceTally } from '../models/compliance';
import type { Sample } from '../models/sample';
import type { ScenarioPlan } from '../models/scenario-plan';
import { formatDuration, formatInstant } from '../scenario/time-units';

/** What a scenario run produced, and what the system receiving it should make of it. JSON-ready. */
export interface RunSummary {
  scenario: { name: string; seed: number; start: string; end: string; duration: string };
  devices: number;
  devicesByKind: Record<string, number>;
  readings: number;
  readingsByKind: Record<string, number>;
  /** Breaches the compliance profiles imply: an end-to-end test compares the ledger's breach events with these. */
  expectedBreaches: ComplianceTally;
  /** Ground truth of equipment failures and maintenances (ISO times). */
  equipmentEvents: { deviceId: string; kind: string; at: string }[];
  custody: { handovers: number; rejected: number };
  demand: { series: number; days: number; orders: number; shipmentPlans: number };
}

export interface SummaryCollector {
  observe(sample: Sample): void;
  result(): RunSummary;
}

function countBy<T>(items: readonly T[], key: (item: T) => string, weight: (item: T) => number = () => 1) {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + weight(item);
  return counts;
}

/** Counts readings and breaches as samples go by, so a run of millions of readings needs no second pass. */
export function newSummaryCollector(plan: ScenarioPlan): SummaryCollector {
  const { scenario } = plan;
  const kindOf = new Map(scenario.devices.map((d) => [d.id, d.kind]));
  const compliance = newComplianceTracker(scenario.shipments);
  const readingsByKind: Record<string, number> = {};
  let readings = 0;
  return {
    observe(sample) {
      readings++;
      const kind = kindOf.get(sample.deviceId) ?? 'unknown';
      readingsByKind[kind] = (readingsByKind[kind] ?? 0) + 1;
      compliance.observe(sample);
    },
    result() {
      const series = new Set(plan.demand.map((d) => `${d.productId}@${d.location}`));
      return {
        scenario: {
          name: scenario.name,
          seed: scenario.seed,
          start: formatInstant(scenario.startMs),
          end: formatInstant(scenario.startMs + scenario.durationMs),
          duration: formatDuration(scenario.durationMs),
        },
        devices: scenario.devices.length,
        devicesByKind: countBy(scenario.devices, (d) => d.kind),
        readings,
        readingsByKind,
        expectedBreaches: compliance.tally(),
        equipmentEvents: plan.equipmentEvents.map((e) => ({
          deviceId: e.deviceId,
          kind: e.kind,
          at: formatInstant(e.atMs),
        })),
        custody: { handovers: plan.custody.length, rejected: plan.custody.filter((c) => c.rejected).length },
        demand: {
          series: series.size,
          days: series.size === 0 ? 0 : plan.demand.length / series.size,
          orders: plan.demand.reduce((sum, d) => sum + d.orders, 0),
          shipmentPlans: plan.shipmentPlans.length,
        },
      };
    },
  };
}

/** `1 excursion`, `3 excursions`. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ');
}

/** The summary as a few readable lines. */
export function formatSummary(summary: RunSummary): string {
  const s = summary.scenario;
  const b = summary.expectedBreaches;
  const lines = [
    `scenario ${s.name} (seed ${s.seed}): ${s.start} to ${s.end} (${s.duration})`,
    `devices ${summary.devices}: ${counts(summary.devicesByKind)}`,
    `readings ${summary.readings.toLocaleString('en')}: ${counts(summary.readingsByKind)}`,
    `expected breaches: ${plural(b.breachingReadings, 'reading')} outside limits, ${plural(b.excursions.length, 'excursion')} (${counts(b.violations)})`,
  ];
  for (const e of b.excursions.slice(0, 20)) {
    const span =
      e.readings === 1 ? formatInstant(e.fromMs) : `${formatInstant(e.fromMs)} to ${formatInstant(e.toMs)}`;
    lines.push(
      `  ${e.shipmentId} ${e.deviceId} ${e.rule} ${e.limit}: ${span}, ${plural(e.readings, 'reading')}, worst ${e.worst}`,
    );
  }
  if (b.excursions.length > 20) lines.push(`  ... and ${b.excursions.length - 20} more (--json lists all)`);
  lines.push(`custody hand-overs: ${summary.custody.handovers} (${summary.custody.rejected} rejected)`);
  if (summary.equipmentEvents.length > 0) {
    lines.push(`equipment ground truth: ${counts(countBy(summary.equipmentEvents, (e) => e.kind))}`);
    for (const e of summary.equipmentEvents.slice(0, 30)) lines.push(`  ${e.at} ${e.deviceId} ${e.kind}`);
    if (summary.equipmentEvents.length > 30)
      lines.push(`  ... and ${summary.equipmentEvents.length - 30} more (--json lists all)`);
  }
  if (summary.demand.series > 0) {
    const d = summary.demand;
    lines.push(
      `demand: ${d.series} series × ${d.days} days, ${d.orders.toLocaleString('en')} orders, ${d.shipmentPlans.toLocaleString('en')} shipment plans`,
    );
  }
  return lines.join('\n');
}
