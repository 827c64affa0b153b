import type { ForecastPurpose } from './forecast';

/**
 * Chaincode event names. One constant per state change so emitters and listeners cannot drift apart.
 * Payloads are the JSON documents typed below.
 */
export const LedgerEvent = {
  DeviceRegistered: 'DeviceRegistered',
  KeyRotated: 'KeyRotated',
  DeviceRevoked: 'DeviceRevoked',
  ShipmentCreated: 'ShipmentCreated',
  DevicesAttached: 'DevicesAttached',
  DevicesDetached: 'DevicesDetached',
  CustodyOffered: 'CustodyOffered',
  CustodyAccepted: 'CustodyAccepted',
  CustodyRejected: 'CustodyRejected',
  ComplianceBreach: 'ComplianceBreach',
  BreachDisposed: 'BreachDisposed',
  ShipmentDelivered: 'ShipmentDelivered',
  ReadingsRecorded: 'ReadingsRecorded',
  ForecastAnchored: 'ForecastAnchored',
  PalletCreated: 'PalletCreated',
  CasesPacked: 'CasesPacked',
  CasesUnpacked: 'CasesUnpacked',
  PalletCustodyOffered: 'PalletCustodyOffered',
  PalletCustodyAccepted: 'PalletCustodyAccepted',
  PalletCustodyRejected: 'PalletCustodyRejected',
  PalletDevicesAttached: 'PalletDevicesAttached',
  PalletDevicesDetached: 'PalletDevicesDetached',
  CommercialTermsRecorded: 'CommercialTermsRecorded',
} as const;

export type LedgerEvent = (typeof LedgerEvent)[keyof typeof LedgerEvent];

export interface DeviceEventPayload {
  deviceId: string;
  ownerOrg: string;
}

export interface KeyRotatedPayload extends DeviceEventPayload {
  effectiveFromSeq: number;
}

/**
 * Revocation refuses every reading of the device not already on the ledger. The ledger keeps no per-device
 * sequence counter (it would serialise ingest), so the payload carries the reason rather than a cut-off sequence.
 */
export interface DeviceRevokedPayload extends DeviceEventPayload {
  reason: string;
}

export interface ShipmentEventPayload {
  shipmentId: string;
  custodianOrg: string;
}

/**
 * A new shipment with its order: a demand forecaster rebuilds order history (what, how many, from where to where,
 * when ordered) from these events alone, without querying every shipment.
 */
export interface ShipmentCreatedPayload extends ShipmentEventPayload {
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  /** When the order was placed, Unix ms: the date demand is counted by, which may lie before the creation. */
  orderedAt: number;
}

/** New or amended commercial terms: only their hash, which every block holds anyway; the values stay private. */
export interface CommercialTermsRecordedPayload {
  shipmentId: string;
  byOrg: string;
  termsHash: string;
}

export interface DevicesAttachedPayload extends ShipmentEventPayload {
  deviceIds: string[];
}

export interface CustodyEventPayload extends ShipmentEventPayload {
  fromOrg: string;
  toOrg: string;
}

export interface ComplianceBreachPayload {
  shipmentId: string;
  breachId: string;
  deviceId: string;
  seq: number;
  rule: string;
  limit: number;
  observed: number;
}

/** One disposition may settle several breaches; Fabric keeps one event per transaction, so they travel together. */
export interface BreachDisposedPayload {
  shipmentId: string;
  breachIds: string[];
  disposition: string;
}

/**
 * One RecordReadings transaction's outcome. Fabric keeps a single chaincode event per transaction, so the
 * compliance breaches a batch raised travel inside this event rather than as separate ComplianceBreach events;
 * listeners fan them out.
 */
export interface ReadingsRecordedPayload {
  accepted: number;
  duplicates: number;
  refused: number;
  breaches: ComplianceBreachPayload[];
  /** (deviceId, seq) of each accepted reading, so listeners can confirm individual readings from events. */
  readings: { deviceId: string; seq: number }[];
}

/**
 * A forecast run anchored on the ledger. The hashes let anyone holding the published values or the model check
 * them against the ledger; the full anchor is read with `forecast:GetForecastAnchor`.
 */
export interface ForecastAnchoredPayload {
  runId: string;
  seriesId: string;
  purpose: ForecastPurpose;
  valuesHash: string;
  modelHash: string;
}

/**
 * A pallet's state change: created, cases packed or unpacked (`caseIds`: the cases this transaction moved), or
 * devices attached (`deviceIds`). A case is a shipment: `caseIds` are shipment ids.
 */
export interface PalletEventPayload {
  palletId: string;
  custodianOrg: string;
  caseIds: string[];
  deviceIds?: string[];
}

/** A pallet's custody step; on acceptance `caseIds` lists every case whose custody moved with the pallet. */
export interface PalletCustodyPayload extends PalletEventPayload {
  fromOrg: string;
  toOrg: string;
}
