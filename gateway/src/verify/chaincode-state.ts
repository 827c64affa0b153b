// The chaincode's key layout and record shapes, as the verifier reads them out of blocks' write sets
// (chaincode/src/ledger-keys.ts, device.model.ts, reading-ingest.ts). Restated here rather than imported: the
// built gateway does not ship the chaincode package, and an auditor's tool should depend on the ledger's format,
// not on the code that wrote it. Fabric's composite keys are U+0000, the object type, then each attribute, each
// followed by U+0000.

import type { Reading } from '@provena/wire';

const composite = (objectType: string, attributes: readonly string[]): string =>
  `\u0000${objectType}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`;

const pad16 = (n: number): string => String(n).padStart(16, '0');

export const stateKeys = {
  device: (deviceId: string): string => composite('device', [deviceId]),
  shipment: (shipmentId: string): string => composite('shipment', [shipmentId]),
  attachment: (shipmentId: string, deviceId: string): string =>
    composite('attachment', [shipmentId, deviceId]),
  breach: (shipmentId: string, deviceId: string, seq: number, rule: string): string =>
    composite('breach', [shipmentId, deviceId, pad16(seq), rule]),
  forecastRun: (runId: string): string => composite('forecast~run', [runId]),
  reading: (deviceId: string, seq: number): string => `reading/${deviceId}/${pad16(seq)}`,
} as const;

const DEVICE_PREFIX = composite('device', []);

/** The device id a device key names, or undefined for any other key. */
export function deviceIdOfKey(key: string): string | undefined {
  if (!key.startsWith(DEVICE_PREFIX) || !key.endsWith('\u0000')) return undefined;
  const id = key.slice(DEVICE_PREFIX.length, -1);
  return id.includes('\u0000') ? undefined : id;
}

/** Whether a key is a reading's (`reading/<deviceId>/<seq16>`). */
export const isReadingKey = (key: string): boolean => /^reading\/[^/]+\/[0-9]{16}$/.test(key);

/** A device record as the ledger stores it (the fields the verifier reads). */
export interface DeviceRecordView {
  readonly deviceId: string;
  readonly status: 'active' | 'revoked';
  /** Ascending by fromSeq. */
  readonly keys: readonly { readonly publicKeyPem: string; readonly fromSeq: number }[];
  readonly revocation: { readonly txId: string; readonly reason: string } | null;
}

/** A reading record as the ledger stores it under its reading key. */
export interface ReadingRecordView {
  readonly reading: Reading;
  readonly signature: string;
  readonly hash: string;
  readonly txId: string;
}

/** What GetShipmentProvenance answers (the fields the verifier reads). */
export interface ShipmentProvenanceView {
  readonly shipment: {
    readonly shipmentId: string;
    readonly createdAtTxId: string;
    readonly custody: readonly { readonly action: string; readonly txId: string }[];
  };
  readonly attachments: readonly {
    readonly deviceId: string;
    readonly attachedAtTxId: string;
    readonly detachedAtTxId: string | null;
  }[];
  readonly breaches: readonly {
    readonly deviceId: string;
    readonly seq: number;
    readonly rule: string;
    readonly txId: string;
    readonly disposition: { readonly txId: string } | null;
  }[];
  readonly readings: readonly {
    readonly deviceId: string;
    readonly count: number;
    readonly txIds: readonly string[];
  }[];
}

/** What GetForecastAnchor answers (the fields the verifier reads). */
export interface ForecastAnchorView {
  readonly runId: string;
  readonly txId: string;
}
