import { ID_PATTERN, Limits } from './limits';
import { RefusalCode, WireError } from './errors';

/** The wire format's version; bumped only for a change old parsers must refuse. */
export const READING_FORMAT_VERSION = 1;

/** A WGS 84 position in decimal degrees. */
export interface Location {
  lat: number;
  lon: number;
}

/**
 * What a device measured. Units are fixed by the field name so no unit field can disagree with a value:
 * °C, % relative humidity, peak acceleration in g, RMS vibration velocity in mm/s (ISO 10816), battery %.
 * At least one measurement is present.
 */
export interface Measurements {
  temperatureC?: number;
  humidityPct?: number;
  shockG?: number;
  vibrationMmS?: number;
  batteryPct?: number;
  location?: Location;
}

/** One sensor reading as the device signs it. */
export interface Reading {
  v: typeof READING_FORMAT_VERSION;
  /** The registered device id ({@link ID_PATTERN}). */
  deviceId: string;
  /** Per-device, starting at 1, increasing by one per reading; (deviceId, seq) identifies a reading. */
  seq: number;
  /** The device's own clock, Unix milliseconds (UTC). */
  measuredAt: number;
  /** The shipment the device is attached to, when it knows it. */
  shipmentId?: string;
  measurements: Measurements;
}

/** A reading with the device's signature: base64url (no padding) of the 64-byte IEEE P1363 `r || s`, low-S. */
export interface SignedReading {
  reading: Reading;
  signature: string;
}

type Range = readonly [min: number, max: number];

/** Physical plausibility bounds; a value outside is a broken sensor or a forgery, never a breach to record. */
export const MEASUREMENT_RANGES: Readonly<Record<Exclude<keyof Measurements, 'location'>, Range>> = {
  temperatureC: [-90, 150],
  humidityPct: [0, 100],
  shockG: [0, 500],
  vibrationMmS: [0, 1000],
  batteryPct: [0, 100],
};

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaError(field: string, problem: string): WireError {
  return new WireError(RefusalCode.SchemaViolation, `${field} ${problem}`, field);
}

function onlyKeys(obj: JsonObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw schemaError(path ? `${path}.${key}` : key, 'is not a known field');
  }
}

/**
 * Checks an identifier (device, shipment, organisation, product code).
 * @throws {@link WireError} SCHEMA_VIOLATION naming `field`.
 */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string') throw schemaError(field, 'must be a string');
  if (value.length > Limits.maxIdLength)
    throw schemaError(field, `must be at most ${Limits.maxIdLength} characters`);
  if (!ID_PATTERN.test(value)) {
    throw schemaError(field, 'must be letters, digits and ._:- starting with a letter or digit');
  }
  return value;
}

function checkNumber(value: unknown, field: string, [min, max]: Range): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw schemaError(field, 'must be a finite number');
  if (value < min || value > max) throw schemaError(field, `must be between ${min} and ${max}`);
  return value;
}

function checkInteger(value: unknown, field: string, range: Range): number {
  const n = checkNumber(value, field, range);
  if (!Number.isInteger(n)) throw schemaError(field, 'must be an integer');
  return n;
}

function checkMeasurements(value: unknown): Measurements {
  const path = 'reading.measurements';
  if (!isObject(value)) throw schemaError(path, 'must be an object');
  onlyKeys(value, [...Object.keys(MEASUREMENT_RANGES), 'location'], path);
  const out: Measurements = {};
  for (const [name, range] of Object.entries(MEASUREMENT_RANGES) as [
    keyof typeof MEASUREMENT_RANGES,
    Range,
  ][]) {
    if (value[name] !== undefined) out[name] = checkNumber(value[name], `${path}.${name}`, range);
  }
  if (value.location !== undefined) {
    const loc = value.location;
    if (!isObject(loc)) throw schemaError(`${path}.location`, 'must be an object');
    onlyKeys(loc, ['lat', 'lon'], `${path}.location`);
    out.location = {
      lat: checkNumber(loc.lat, `${path}.location.lat`, [-90, 90]),
      lon: checkNumber(loc.lon, `${path}.location.lon`, [-180, 180]),
    };
  }
  if (Object.keys(out).length === 0) throw schemaError(path, 'must hold at least one measurement');
  return out;
}

/**
 * Validates an untrusted value as a {@link Reading} and returns a fresh object holding only the known fields,
 * in the order the wire format documents them.
 * @throws {@link WireError} SCHEMA_VIOLATION with the path of the first offending field.
 */
export function checkReading(value: unknown): Reading {
  if (!isObject(value)) throw schemaError('reading', 'must be an object');
  onlyKeys(value, ['v', 'deviceId', 'seq', 'measuredAt', 'shipmentId', 'measurements'], 'reading');
  if (value.v !== READING_FORMAT_VERSION) throw schemaError('reading.v', `must be ${READING_FORMAT_VERSION}`);
  const reading: Reading = {
    v: READING_FORMAT_VERSION,
    deviceId: checkId(value.deviceId, 'reading.deviceId'),
    seq: checkInteger(value.seq, 'reading.seq', [1, Limits.maxSeq]),
    measuredAt: checkInteger(value.measuredAt, 'reading.measuredAt', [
      Limits.minMeasuredAt,
      Limits.maxMeasuredAt,
    ]),
    measurements: checkMeasurements(value.measurements),
  };
  if (value.shipmentId !== undefined) reading.shipmentId = checkId(value.shipmentId, 'reading.shipmentId');
  return reading;
}

/**
 * Validates an untrusted value as a {@link SignedReading} (schema only; see `verifySignedReading` for the signature).
 * @throws {@link WireError}
 */
export function checkSignedReading(value: unknown): SignedReading {
  if (!isObject(value)) throw schemaError('envelope', 'must be an object');
  onlyKeys(value, ['reading', 'signature'], '');
  if (typeof value.signature !== 'string') throw schemaError('signature', 'must be a string');
  if (value.signature.length > 128) throw schemaError('signature', 'is too long');
  return { reading: checkReading(value.reading), signature: value.signature };
}
