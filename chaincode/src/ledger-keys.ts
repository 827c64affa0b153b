import type { Context } from 'fabric-contract-api';

/**
 * Object types of the composite keys. Each fact a transaction writes has its own key, so transactions touching
 * different facts never conflict under MVCC: ingest writes only reading, index and breach keys, never a
 * device or shipment key.
 */
export const KeyType = {
  /** [deviceId] → DeviceRecord */
  Device: 'device',
  /** [shipmentId] → ShipmentRecord (custody chain inside) */
  Shipment: 'shipment',
  /** [shipmentId, deviceId] → AttachmentRecord */
  Attachment: 'attachment',
  /**
   * [shipmentId, deviceId, firstSeq16] → ShipmentReadingsEntry: the readings of one device for one shipment that
   * one transaction recorded (`reading-index.ts`), keyed by the smallest sequence number among them.
   */
  ShipmentReadings: 'shipment~readings',
  /** [shipmentId, deviceId, seq16, rule] → BreachRecord */
  Breach: 'breach',
  /** [runId] → ForecastAnchorRecord */
  ForecastRun: 'forecast~run',
  /** [seriesId, runId] → IndexEntry: forecast anchors by series */
  ForecastBySeries: 'forecast~series',
  /** [palletId] → PalletRecord (contents, custody and pack/unpack history inside) */
  Pallet: 'pallet',
  /** [palletId, deviceId] → PalletAttachmentRecord: a logger travelling on a pallet */
  PalletAttachment: 'pallet~attachment',
} as const;

// Simple keys, not composite ones, where a transaction needs a range inside one device's keys: the Node shim
// refuses range queries whose keys start with U+0000. Ids cannot contain `/`, and the fixed-width numbers sort in
// numeric order, so within one device these keys sort like the numbers they hold.

/**
 * Prefix of the reading keys, `reading/<deviceId>/<seq16>` → ReadingRecord: one key per reading, and a range
 * over one device's sequence numbers is the duplicate check of a run of readings.
 */
export const READING_PREFIX = 'reading/';

/**
 * Prefix of the readings-by-measurement-time index, `reading-times/<deviceId>/<minMeasuredAt16>/<seq16>` →
 * DeviceReadingsEntry: the readings of one device that one transaction recorded within one time span
 * (`reading-index.ts`), keyed by the earliest of them.
 */
export const READING_TIMES_PREFIX = 'reading-times/';

/**
 * Prefix of the positions GetReadingsByDevice pages by: `reading-time/<deviceId>/<measuredAt16>/<seq16>` names a
 * reading's place in measurement-time order. No key has this prefix; the bookmark is the next reading's position.
 */
export const READING_TIME_PREFIX = 'reading-time/';

/**
 * Object type of the positions GetReadingsByShipment pages by: `reading~shipment [shipmentId, deviceId, seq16]`
 * names a reading's place in (device, sequence) order. No key has it; the bookmark is the next reading's position.
 */
export const SHIPMENT_READING_POSITION = 'reading~shipment';

const WIDTH = 16;

/** Zero-pads a non-negative safe integer to 16 digits so that keys sort numerically (2^53 has 16 digits). */
export function pad16(n: number): string {
  return String(n).padStart(WIDTH, '0');
}

type Keys = Pick<Context['stub'], 'createCompositeKey'>;

/** `device [deviceId]` */
export function deviceKey(stub: Keys, deviceId: string): string {
  return stub.createCompositeKey(KeyType.Device, [deviceId]);
}

/** `shipment [shipmentId]` */
export function shipmentKey(stub: Keys, shipmentId: string): string {
  return stub.createCompositeKey(KeyType.Shipment, [shipmentId]);
}

/** `attachment [shipmentId, deviceId]` */
export function attachmentKey(stub: Keys, shipmentId: string, deviceId: string): string {
  return stub.createCompositeKey(KeyType.Attachment, [shipmentId, deviceId]);
}

/** `reading/<deviceId>/<seq16>` */
export function readingKey(deviceId: string, seq: number): string {
  return `${READING_PREFIX}${deviceId}/${pad16(seq)}`;
}

/** The range [start, end) of the reading keys of one device's sequence numbers first..last. */
export function readingKeyRange(deviceId: string, first: number, last: number): [string, string] {
  return [readingKey(deviceId, first), readingKey(deviceId, last + 1)];
}

/**
 * `reading-times/<deviceId>/<minMeasuredAt16>/<seq16>`; with `seq` omitted, the bound of a range of them.
 */
export function readingTimesKey(deviceId: string, minMeasuredAt: number, seq?: number): string {
  const base = `${READING_TIMES_PREFIX}${deviceId}/${pad16(minMeasuredAt)}/`;
  return seq === undefined ? base : `${base}${pad16(seq)}`;
}

/** `shipment~readings [shipmentId, deviceId, firstSeq16]` */
export function shipmentReadingsKey(
  stub: Keys,
  shipmentId: string,
  deviceId: string,
  firstSeq: number,
): string {
  return stub.createCompositeKey(KeyType.ShipmentReadings, [shipmentId, deviceId, pad16(firstSeq)]);
}

/** A reading's position in GetReadingsByShipment's order: `reading~shipment [shipmentId, deviceId, seq16]`. */
export function shipmentReadingPosition(
  stub: Keys,
  shipmentId: string,
  deviceId: string,
  seq: number,
): string {
  return stub.createCompositeKey(SHIPMENT_READING_POSITION, [shipmentId, deviceId, pad16(seq)]);
}

/** `breach [shipmentId, deviceId, seq16, rule]` */
export function breachKey(
  stub: Keys,
  shipmentId: string,
  deviceId: string,
  seq: number,
  rule: string,
): string {
  return stub.createCompositeKey(KeyType.Breach, [shipmentId, deviceId, pad16(seq), rule]);
}

/** `pallet [palletId]` */
export function palletKey(stub: Keys, palletId: string): string {
  return stub.createCompositeKey(KeyType.Pallet, [palletId]);
}

/** `pallet~attachment [palletId, deviceId]` */
export function palletAttachmentKey(stub: Keys, palletId: string, deviceId: string): string {
  return stub.createCompositeKey(KeyType.PalletAttachment, [palletId, deviceId]);
}

/** `forecast~run [runId]` */
export function forecastRunKey(stub: Keys, runId: string): string {
  return stub.createCompositeKey(KeyType.ForecastRun, [runId]);
}

/** `forecast~series [seriesId, runId]` */
export function forecastBySeriesKey(stub: Keys, seriesId: string, runId: string): string {
  return stub.createCompositeKey(KeyType.ForecastBySeries, [seriesId, runId]);
}

/**
 * A reading's position in GetReadingsByDevice's order, `reading-time/<deviceId>/<measuredAt16>/<seq16>`; with
 * `seq` omitted, the bound of a time window.
 */
export function readingTimePosition(deviceId: string, measuredAt: number, seq?: number): string {
  const base = `${READING_TIME_PREFIX}${deviceId}/${pad16(measuredAt)}/`;
  return seq === undefined ? base : `${base}${pad16(seq)}`;
}
