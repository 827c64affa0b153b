import type { ComplianceProfile } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import { formatInstant } from '../scenario/time-units';

/** One step of a shipment's custody chain (the chaincode's `CustodyRecord`). */
export interface CustodyStepView {
  action: string;
  byOrg: string;
  /** Fabric's client id of the signer (`x509::CN=<name>,…::<issuer>`): a person's, when enrolled with Fabric CA. */
  by?: string;
  custodianOrg: string;
  fromOrg: string | null;
  toOrg: string | null;
  reason: string | null;
  txId: string;
  at: number;
}

/** A device on the shipment (the chaincode's `AttachmentRecord`). */
export interface AttachmentView {
  deviceId: string;
  status: string;
  attachedByOrg: string;
  attachedAtTxId: string;
  attachedAt: number;
  detachedAtTxId: string | null;
  detachedAt: number | null;
}

/** What was decided about a breach, and by whom. */
export interface DispositionView {
  decision: string;
  note: string;
  byOrg: string;
  by?: string;
  txId: string;
  at: number;
}

/** A compliance breach (the chaincode's `BreachRecord`). */
export interface BreachView {
  breachId: string;
  deviceId: string;
  seq: number;
  rule: string;
  limit: number;
  observed: number;
  measuredAt: number;
  /** The RecordReadings transaction that found it. */
  txId: string;
  disposition: DispositionView | null;
}

/** How many readings of one device the shipment holds, and the transactions that recorded them. */
export interface DeviceReadingsView {
  deviceId: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  txIds: string[];
}

/** Where a transaction is on the ledger; nulls when no block holds it. */
export interface TransactionPlaceView {
  blockNumber: string | null;
  validationCode: string | null;
}

/**
 * `GET /shipments/:id/provenance`: the chaincode's provenance of a shipment plus the block and validation code of
 * every transaction it names (the gateway's `ShipmentProvenanceView`). Only the fields printed are typed.
 */
export interface ShipmentProvenanceView {
  shipment: {
    shipmentId: string;
    productCode: string;
    quantity: number;
    origin: string;
    destination: string;
    complianceProfile?: ComplianceProfile;
    ownerOrg: string;
    custodianOrg: string;
    status: string;
    custody: CustodyStepView[];
  };
  attachments: AttachmentView[];
  breaches: BreachView[];
  openBreaches: number;
  readings: DeviceReadingsView[];
  transactions: Record<string, TransactionPlaceView>;
}

export interface ProvenanceReportOptions {
  /** Lines of breaches listed (a line per run of consecutive readings); the rest are counted (default 100). */
  maxBreaches?: number;
  /** Transactions listed per device's readings; the rest are counted (default 10). */
  maxTransactionsPerDevice?: number;
}

/**
 * Checks that an answer has the provenance's shape before it is printed, so a proxy's or an older gateway's
 * answer is named as such instead of failing half-way through the report.
 * @throws {@link SimulatorError} GATEWAY_UNAVAILABLE naming what is missing.
 */
export function checkProvenanceView(value: unknown, shipmentId: string): ShipmentProvenanceView {
  const v = value as Partial<Record<keyof ShipmentProvenanceView, unknown>> | null;
  const missing = (
    [
      ['shipment', typeof v?.shipment === 'object' && v.shipment !== null],
      ['shipment.custody', Array.isArray((v?.shipment as { custody?: unknown } | undefined)?.custody)],
      ['attachments', Array.isArray(v?.attachments)],
      ['breaches', Array.isArray(v?.breaches)],
      ['readings', Array.isArray(v?.readings)],
      ['openBreaches', typeof v?.openBreaches === 'number'],
      ['transactions', typeof v?.transactions === 'object' && v.transactions !== null],
    ] as const
  )
    .filter(([, ok]) => !ok)
    .map(([field]) => field);
  if (missing.length > 0) {
    throw new SimulatorError(
      SimulatorErrorCode.GatewayUnavailable,
      `the provenance of ${shipmentId} the gateway sent lacks ${missing.join(', ')}`,
    );
  }
  return value as ShipmentProvenanceView;
}

/**
 * Who acted: `omar of ProducerMSP` when the signer's certificate names a person (its subject's CN), else the
 * organisation alone. Organisation-wide identities (cryptogen's `User1@…`, `Admin@…`) show as the organisation.
 */
export function actorText(step: { byOrg: string; by?: string }): string {
  const subject = step.by?.split('::')[1] ?? '';
  const cn = /(?:^|[,/])CN=([^,/]+)/.exec(subject)?.[1];
  return cn === undefined || cn.includes('@') ? step.byOrg : `${cn} of ${step.byOrg}`;
}

/** `block 12`, `block 12 (MVCC_READ_CONFLICT)`, or `no block` when the ledger has no such transaction. */
function placeOf(view: ShipmentProvenanceView, txId: string): string {
  const place = view.transactions[txId];
  if (!place || place.blockNumber === null) return 'no block holds it';
  const valid = place.validationCode === null || place.validationCode === 'VALID';
  return `block ${place.blockNumber}${valid ? '' : ` (${place.validationCode})`}`;
}

function where(view: ShipmentProvenanceView, txId: string): string {
  return `${placeOf(view, txId)}, transaction ${txId}`;
}

/** `temperatureC 2..8, shockG ≤ 10`. */
function profileText(profile: ComplianceProfile | undefined): string {
  const parts = Object.entries(profile ?? {}).map(([metric, bounds]) => {
    const { min, max } = bounds as { min?: number; max?: number };
    if (min !== undefined && max !== undefined) return `${metric} ${min}..${max}`;
    return min !== undefined ? `${metric} ≥ ${min}` : `${metric} ≤ ${max}`;
  });
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Who handed custody to whom in a step: the previous custodian to the one offered or accepting. */
function custodyMove(step: CustodyStepView): string {
  const from = step.fromOrg ?? (step.toOrg !== null ? step.custodianOrg : null);
  const to = step.toOrg ?? step.custodianOrg;
  return from === null ? `→ ${to}` : `${from} → ${to}`;
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * A shipment's provenance for a person at a terminal: the custody chain, the devices attached, the readings
 * recorded per device and every compliance breach, each fact with the block and the transaction that recorded
 * it. Plain text, no colours.
 * @example
 * console.log(formatShipmentProvenance(await client.shipmentProvenance('SHP-DEMO-1')));
 */
export function formatShipmentProvenance(
  view: ShipmentProvenanceView,
  options: Readonly<ProvenanceReportOptions> = {},
): string {
  const maxBreaches = options.maxBreaches ?? 100;
  const maxTx = options.maxTransactionsPerDevice ?? 10;
  const s = view.shipment;
  const lines = [
    `Shipment ${s.shipmentId}: ${s.quantity.toLocaleString('en')} × ${s.productCode}, ${s.origin} → ${s.destination}`,
    `  owner ${s.ownerOrg}, custodian ${s.custodianOrg}, ${s.status}; limits: ${profileText(s.complianceProfile)}`,
    '',
    `  Custody chain (${plural(s.custody.length, 'step')})`,
  ];
  s.custody.forEach((step, i) => {
    lines.push(
      `    ${i + 1}. ${step.action.padEnd(9)} ${custodyMove(step)}, by ${actorText(step)}, at ${formatInstant(step.at)}` +
        (step.reason !== null ? ` (reason: ${step.reason})` : ''),
      `       ${where(view, step.txId)}`,
    );
  });

  lines.push('', `  Devices attached (${view.attachments.length})`);
  if (view.attachments.length === 0) lines.push('    none');
  for (const a of view.attachments) {
    lines.push(
      `    ${a.deviceId}: ${a.status}; attached by ${a.attachedByOrg} at ${formatInstant(a.attachedAt)}`,
      `      ${where(view, a.attachedAtTxId)}`,
    );
    if (a.detachedAtTxId !== null && a.detachedAt !== null) {
      lines.push(`      detached at ${formatInstant(a.detachedAt)}: ${where(view, a.detachedAtTxId)}`);
    }
  }

  const recorded = view.readings.reduce((sum, r) => sum + r.count, 0);
  lines.push(
    '',
    `  Readings recorded (${plural(recorded, 'reading')} of ${plural(view.readings.length, 'device')})`,
  );
  if (view.readings.length === 0) lines.push('    none');
  for (const r of view.readings) {
    const seqs = r.firstSeq === r.lastSeq ? `seq ${r.firstSeq}` : `seq ${r.firstSeq}–${r.lastSeq}`;
    lines.push(
      `    ${r.deviceId}: ${plural(r.count, 'reading')}, ${seqs}, in ${plural(r.txIds.length, 'transaction')}`,
    );
    for (const txId of r.txIds.slice(0, maxTx)) lines.push(`      ${where(view, txId)}`);
    if (r.txIds.length > maxTx) lines.push(`      ... and ${r.txIds.length - maxTx} more`);
  }

  lines.push('', `  Compliance breaches (${view.breaches.length}, ${view.openBreaches} open)`);
  if (view.breaches.length === 0) lines.push('    none');
  // Breaches found by one RecordReadings transaction are listed under it: one place line per transaction. An
  // excursion lasts many readings: consecutive readings of one device breaking one rule, with one decision, are
  // one line.
  const runs = breachRuns(view.breaches);
  let lastTx: string | undefined;
  for (const run of runs.slice(0, maxBreaches)) {
    const [first, last] = [run[0]!, run[run.length - 1]!];
    if (first.txId !== lastTx) {
      lines.push(`    recorded in ${where(view, first.txId)}:`);
      lastTx = first.txId;
    }
    const observed = run.map((b) => b.observed);
    const d = first.disposition;
    const what =
      run.length === 1
        ? `observed ${first.observed}: ${first.deviceId} seq ${first.seq}, measured ${formatInstant(first.measuredAt)}`
        : `observed ${Math.min(...observed)} to ${Math.max(...observed)}: ${first.deviceId} seq ${first.seq}–${last.seq} ` +
          `(${run.length} readings), measured ${formatInstant(first.measuredAt)} to ${formatInstant(last.measuredAt)}`;
    lines.push(
      `      ${first.rule} (limit ${first.limit}) ${what}; ` +
        (d === null
          ? 'open'
          : `${d.decision} by ${actorText(d)} at ${formatInstant(d.at)}${d.note ? ` (${d.note})` : ''}, ${where(view, d.txId)}`),
    );
  }
  if (runs.length > maxBreaches) {
    const rest = runs.slice(maxBreaches).reduce((sum, run) => sum + run.length, 0);
    lines.push(`    ... and ${rest} more: GET /shipments/${s.shipmentId}/provenance lists all`);
  }

  lines.push('', `  Open breaches: ${view.openBreaches}`);
  return lines.join('\n');
}

/** Consecutive breaches of one device, rule, recording transaction and decision, in the order given. */
function breachRuns(breaches: readonly BreachView[]): BreachView[][] {
  const runs: BreachView[][] = [];
  for (const b of breaches) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    const same =
      prev !== undefined &&
      prev.deviceId === b.deviceId &&
      prev.rule === b.rule &&
      prev.limit === b.limit &&
      prev.txId === b.txId &&
      prev.seq + 1 === b.seq &&
      prev.disposition?.txId === b.disposition?.txId &&
      prev.disposition?.decision === b.disposition?.decision;
    if (same) run!.push(b);
    else runs.push([b]);
  }
  return runs;
}
