import type { Reading } from '@provena/wire';
import {
  CUSTODY_MAPPING,
  DOCUMENT_CONTEXT,
  Ext,
  SENSOR_REPORTING,
  SENSOR_REPORT_MAPPING,
  deviceUri,
  measurementAt,
  orgUri,
  productUri,
  readingEventId,
  shipmentUri,
  transactionUri,
  type CustodyAction,
} from './epcis-vocabulary';

// Pure mapping from the ledger's records to an EPCIS 2.0 document: no ledger calls here, so the mapping is
// tested on its own and the service only gathers what it needs.

/** The fields of the chaincode's custody step (chaincode/src/shipment.model.ts) the export reads. */
export interface CustodyStep {
  action: CustodyAction;
  byOrg: string;
  custodianOrg: string;
  fromOrg: string | null;
  toOrg: string | null;
  reason: string | null;
  txId: string;
  at: number;
}

/** The fields of the chaincode's shipment record the export reads. */
export interface ShipmentFacts {
  shipmentId: string;
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  ownerOrg: string;
  complianceProfile: Record<string, unknown>;
  custody: CustodyStep[];
}

/** A recorded reading as `reading:GetReadingsByShipment` returns it. */
export interface RecordedReading {
  reading: Reading;
  signature: string;
  txId: string;
  recordedAt: number;
}

/** An EPCIS event as exported: standard fields and Provena's extension fields. */
export type EpcisEvent = Record<string, unknown>;

/** An EPCISDocument. */
export interface EpcisDocument {
  '@context': readonly unknown[];
  type: 'EPCISDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { eventList: EpcisEvent[] };
  [extension: `${string}:${string}`]: unknown;
}

/** What one exported page holds. */
export interface ExportPage {
  /** Null on pages after the first: the custody events are all on the first. */
  shipment: ShipmentFacts | null;
  readings: readonly RecordedReading[];
  /** The block of each transaction named; absent or null when no block holds it (an auditor should see that). */
  blocks: ReadonlyMap<string, string | null>;
  /** When the document is made (Unix ms). */
  nowMs: number;
  /** The bookmark of the next page, or null on the last. */
  nextBookmark: string | null;
}

// Every time is exported in UTC: the ledger keeps Unix ms and no zone.
const iso = (ms: number): string => new Date(ms).toISOString();
const UTC = '+00:00';

function proof(txId: string, blocks: ReadonlyMap<string, string | null>): EpcisEvent {
  return {
    certificationInfo: transactionUri(txId),
    [Ext.txId]: txId,
    [Ext.blockNumber]: blocks.get(txId) ?? null,
  };
}

// Custody moves between possessing parties; ownership stays with the shipment's creator (CBV source/destination
// types possessing_party and owning_party).
function parties(
  shipment: ShipmentFacts,
  step: CustodyStep,
): { sourceList?: unknown[]; destinationList?: unknown[] } {
  const possessing = (org: string) => ({ type: 'possessing_party', org: orgUri(org) });
  const source = (p: { type: string; org: string }) => ({ type: p.type, source: p.org });
  const destination = (p: { type: string; org: string }) => ({ type: p.type, destination: p.org });
  switch (step.action) {
    case 'created':
      return {
        destinationList: [
          destination({ type: 'owning_party', org: orgUri(shipment.ownerOrg) }),
          destination(possessing(step.custodianOrg)),
        ],
      };
    case 'offered':
      return step.toOrg === null
        ? {}
        : {
            sourceList: [source(possessing(step.custodianOrg))],
            destinationList: [destination(possessing(step.toOrg))],
          };
    case 'accepted':
      return step.fromOrg === null
        ? {}
        : {
            sourceList: [source(possessing(step.fromOrg))],
            destinationList: [destination(possessing(step.custodianOrg))],
          };
    // A rejection moved nothing and a delivery stays with its custodian: no transfer to state.
    case 'rejected':
    case 'delivered':
      return {};
  }
}

/** One custody step as an ObjectEvent; its eventID is the transaction that made it (one step per transaction). */
export function custodyEvent(
  shipment: ShipmentFacts,
  step: CustodyStep,
  blocks: ReadonlyMap<string, string | null>,
): EpcisEvent {
  const mapping = CUSTODY_MAPPING[step.action];
  const created = step.action === 'created';
  return {
    type: 'ObjectEvent',
    eventID: transactionUri(step.txId),
    eventTime: iso(step.at),
    eventTimeZoneOffset: UTC,
    epcList: [shipmentUri(shipment.shipmentId)],
    // What the shipment carries, stated once, where it comes into being (ADD may carry a quantity).
    ...(created && {
      quantityList: [{ epcClass: productUri(shipment.productCode), quantity: shipment.quantity }],
    }),
    action: mapping.action,
    bizStep: mapping.bizStep,
    ...('disposition' in mapping && { disposition: mapping.disposition }),
    ...parties(shipment, step),
    ...proof(step.txId, blocks),
    [Ext.custodyAction]: step.action,
    [Ext.byOrg]: step.byOrg,
    ...(step.reason !== null && { [Ext.reason]: step.reason }),
    ...(created && {
      [Ext.shipment]: {
        shipmentId: shipment.shipmentId,
        productCode: shipment.productCode,
        quantity: shipment.quantity,
        origin: shipment.origin,
        destination: shipment.destination,
        ownerOrg: shipment.ownerOrg,
        complianceProfile: shipment.complianceProfile,
      },
    }),
  };
}

/** The sensor reports of a reading: one per measurement it holds, in {@link SENSOR_REPORT_MAPPING}'s order. */
export function sensorReportsOf(reading: Reading): Record<string, unknown>[] {
  return SENSOR_REPORT_MAPPING.flatMap((mapping) => {
    const value = measurementAt(reading.measurements, mapping.path);
    if (value === undefined) return [];
    return [
      {
        type: mapping.type,
        value,
        uom: mapping.uom,
        ...(mapping.component !== undefined && { component: mapping.component }),
        ...(mapping.coordinateReferenceSystem !== undefined && {
          coordinateReferenceSystem: mapping.coordinateReferenceSystem,
        }),
      },
    ];
  });
}

/**
 * One recorded reading as an ObjectEvent with one sensor element, carrying the device-signed envelope
 * (`provena:reading`, `provena:signature`) so anyone can verify it again and capture it again. The standard
 * fields say the same as the signed reading; capture checks that they still do.
 */
export function readingEvent(
  recorded: RecordedReading,
  blocks: ReadonlyMap<string, string | null>,
): EpcisEvent {
  const { reading, signature, txId, recordedAt } = recorded;
  return {
    type: 'ObjectEvent',
    eventID: readingEventId(reading.deviceId, reading.seq),
    eventTime: iso(reading.measuredAt),
    eventTimeZoneOffset: UTC,
    // When the ledger recorded it: EPCIS's recordTime is the repository's capture time, which this is.
    recordTime: iso(recordedAt),
    epcList: reading.shipmentId === undefined ? [] : [shipmentUri(reading.shipmentId)],
    action: 'OBSERVE',
    bizStep: SENSOR_REPORTING,
    sensorElementList: [
      {
        sensorMetadata: { time: iso(reading.measuredAt), deviceID: deviceUri(reading.deviceId) },
        sensorReport: sensorReportsOf(reading),
      },
    ],
    ...proof(txId, blocks),
    [Ext.reading]: reading,
    [Ext.signature]: signature,
  };
}

/**
 * One page of a shipment as an EPCISDocument: on the first page the custody chain (oldest first), then the page's
 * readings in (device, sequence) order.
 */
export function shipmentDocument(page: ExportPage): EpcisDocument {
  const custody =
    page.shipment === null
      ? []
      : page.shipment.custody.map((step) => custodyEvent(page.shipment as ShipmentFacts, step, page.blocks));
  return {
    '@context': DOCUMENT_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: iso(page.nowMs),
    ...(page.nextBookmark !== null && { [Ext.nextBookmark]: page.nextBookmark }),
    epcisBody: { eventList: [...custody, ...page.readings.map((r) => readingEvent(r, page.blocks))] },
  };
}

/** Every transaction a page names, once each: the ones whose blocks the service looks up. */
export function transactionsOf(
  shipment: ShipmentFacts | null,
  readings: readonly RecordedReading[],
): string[] {
  return [...new Set([...(shipment?.custody.map((s) => s.txId) ?? []), ...readings.map((r) => r.txId)])];
}
