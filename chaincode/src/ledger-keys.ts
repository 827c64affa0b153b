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
  /** [deviceId, seq16] → ReadingRecord */
  Reading: 'reading',
  /** [shipmentId, deviceId, seq16] → IndexEntry: readings by shipment */
  ReadingByShipment: 'reading~shipment',
  /** [shipmentId, deviceId, seq16, rule] → BreachRecord */
  Breach: 'breach',
  /** [runId] → ForecastAnchorRecord */
  ForecastRun: 'forecast~run',
  /** [seriesId, runId] → IndexEntry: forecast anchors by series */
  ForecastBySeries: 'forecast~series',
} as const;

/**
 * Prefix of the readings-by-device-time index. It is a simple key, not a composite one, because the Node shim
 * refuses range queries whose keys start with U+0000 and only a range can select a time window:
 * `reading-time/<deviceId>/<measuredAt16>/<seq16>`. Ids cannot contain `/`, and the fixed-width numbers sort in
 * numeric order.
 */
export const READING_TIME_PREFIX = 'reading-time/';

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

/** `reading [deviceId, seq16]` */
export function readingKey(stub: Keys, deviceId: string, seq: number): string {
  return stub.createCompositeKey(KeyType.Reading, [deviceId, pad16(seq)]);
}

/** `reading~shipment [shipmentId, deviceId, seq16]` */
export function readingByShipmentKey(stub: Keys, shipmentId: string, deviceId: string, seq: number): string {
  return stub.createCompositeKey(KeyType.ReadingByShipment, [shipmentId, deviceId, pad16(seq)]);
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

/** `forecast~run [runId]` */
export function forecastRunKey(stub: Keys, runId: string): string {
  return stub.createCompositeKey(KeyType.ForecastRun, [runId]);
}

/** `forecast~series [seriesId, runId]` */
export function forecastBySeriesKey(stub: Keys, seriesId: string, runId: string): string {
  return stub.createCompositeKey(KeyType.ForecastBySeries, [seriesId, runId]);
}

/** Key of the readings-by-device-time index; with `seq` omitted, the bound of a time window. */
export function readingTimeKey(deviceId: string, measuredAt: number, seq?: number): string {
  const base = `${READING_TIME_PREFIX}${deviceId}/${pad16(measuredAt)}/`;
  return seq === undefined ? base : `${base}${pad16(seq)}`;
}
