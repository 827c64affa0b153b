/**
 * Writes vectors/reading-vectors.json: keys, envelopes, signatures and expected verdicts that every package's
 * tests load. Signatures are randomised, so re-running produces new (equally valid) vectors; run it only when
 * the format changes and commit the result.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalReadingBytes, highSTwin, publicKeyPem, signReading } from '../signature';
import type { Reading } from '../reading';
import type { ReadingVector, ReadingVectorFile } from '../vectors';

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKeyPem(publicKey),
  };
}

const device = newKey();
const other = newKey();

const base: Reading = {
  v: 1,
  deviceId: 'reefer-0001',
  seq: 1,
  measuredAt: Date.UTC(2026, 10, 1, 8, 0, 0),
  shipmentId: 'SHP-2026-0001',
  measurements: {
    temperatureC: 4.5,
    humidityPct: 61.2,
    shockG: 0.3,
    batteryPct: 97,
    location: { lat: 52.3676, lon: 4.9041 },
  },
};

const sig = signReading(base, device.privateKey);
const envelope = (reading: unknown, signature = sig) => JSON.stringify({ reading, signature });

const minimal: Reading = {
  v: 1,
  deviceId: 'tag-7',
  seq: 9007199254740991,
  measuredAt: Date.UTC(2026, 0, 1),
  measurements: { temperatureC: -18.25 },
};

const vectors: ReadingVector[] = [
  {
    name: 'valid reading with every measurement',
    key: 'device',
    payload: envelope(base),
    expect: { ok: true },
  },
  {
    name: 'valid minimal reading, largest sequence number',
    key: 'device',
    payload: envelope(minimal, signReading(minimal, device.privateKey)),
    expect: { ok: true },
  },
  {
    name: 'same reading with keys reordered and whitespace: canonical bytes are what is signed',
    key: 'device',
    payload: `{ "signature": "${sig}", "reading": ${JSON.stringify({ measurements: base.measurements, seq: 1, v: 1, deviceId: base.deviceId, shipmentId: base.shipmentId, measuredAt: base.measuredAt }, null, 1)} }`,
    expect: { ok: true },
  },
  {
    name: 'tampered temperature',
    key: 'device',
    payload: envelope({ ...base, measurements: { ...base.measurements, temperatureC: 4.6 } }),
    expect: { ok: false, code: 'BAD_SIGNATURE' },
  },
  {
    name: 'tampered sequence number',
    key: 'device',
    payload: envelope({ ...base, seq: 2 }),
    expect: { ok: false, code: 'BAD_SIGNATURE' },
  },
  {
    name: 'signed by another key',
    key: 'device',
    payload: envelope(base, signReading(base, other.privateKey)),
    expect: { ok: false, code: 'BAD_SIGNATURE' },
  },
  {
    name: 'high-S twin of a valid signature',
    key: 'device',
    payload: envelope(base, highSTwin(sig)),
    expect: { ok: false, code: 'HIGH_S_SIGNATURE' },
  },
  {
    name: 'signature not base64url',
    key: 'device',
    payload: envelope(base, `${sig.slice(0, 85)}=`),
    expect: { ok: false, code: 'BAD_SIGNATURE' },
  },
  {
    name: 'signature of zeros',
    key: 'device',
    payload: envelope(base, Buffer.alloc(64).toString('base64url')),
    expect: { ok: false, code: 'BAD_SIGNATURE' },
  },
  {
    name: 'unknown field in reading',
    key: 'device',
    payload: envelope({ ...base, firmware: '1.2' }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.firmware' },
  },
  {
    name: 'unknown measurement',
    key: 'device',
    payload: envelope({ ...base, measurements: { co2Ppm: 400 } }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.measurements.co2Ppm' },
  },
  {
    name: 'NaN literal',
    key: 'device',
    payload: envelope(base).replace('4.5', 'NaN'),
    expect: { ok: false, code: 'MALFORMED_JSON' },
  },
  {
    name: 'Infinity literal',
    key: 'device',
    payload: envelope(base).replace('4.5', 'Infinity'),
    expect: { ok: false, code: 'MALFORMED_JSON' },
  },
  {
    name: 'number overflowing to Infinity',
    key: 'device',
    payload: envelope(base).replace('4.5', '1e400'),
    expect: { ok: false, code: 'MALFORMED_JSON' },
  },
  {
    name: 'U+0000 in device id',
    key: 'device',
    payload: envelope({ ...base, deviceId: 'reefer\u00000001' }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.deviceId' },
  },
  {
    name: 'device id over 64 characters',
    key: 'device',
    payload: envelope({ ...base, deviceId: 'd'.repeat(65) }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.deviceId' },
  },
  {
    name: 'oversized envelope',
    key: 'device',
    payload: envelope({ ...base, deviceId: 'x'.repeat(3000) }),
    expect: { ok: false, code: 'TOO_LARGE' },
  },
  {
    name: 'duplicate key',
    key: 'device',
    payload: envelope(base).replace('"seq":1', '"seq":1,"seq":2'),
    expect: { ok: false, code: 'DUPLICATE_KEY' },
  },
  {
    name: 'sequence number zero',
    key: 'device',
    payload: envelope({ ...base, seq: 0 }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.seq' },
  },
  {
    name: 'fractional sequence number',
    key: 'device',
    payload: envelope({ ...base, seq: 1.5 }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.seq' },
  },
  {
    name: 'humidity above 100 %',
    key: 'device',
    payload: envelope({ ...base, measurements: { humidityPct: 101 } }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.measurements.humidityPct' },
  },
  {
    name: 'no measurements',
    key: 'device',
    payload: envelope({ ...base, measurements: {} }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.measurements' },
  },
  {
    name: 'timestamp as a string',
    key: 'device',
    payload: envelope({ ...base, measuredAt: '2026-11-01T08:00:00Z' }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.measuredAt' },
  },
  {
    name: 'wrong format version',
    key: 'device',
    payload: envelope({ ...base, v: 2 }),
    expect: { ok: false, code: 'SCHEMA_VIOLATION', field: 'reading.v' },
  },
  {
    name: 'not JSON',
    key: 'device',
    payload: 'temperature=4.5',
    expect: { ok: false, code: 'MALFORMED_JSON' },
  },
  {
    name: 'deep nesting',
    key: 'device',
    payload: `${'['.repeat(50)}${']'.repeat(50)}`,
    expect: { ok: false, code: 'TOO_LARGE' },
  },
];

const file: ReadingVectorFile = {
  description:
    'Provena reading envelopes with expected verdicts. signature = base64url(P1363 r||s) of ECDSA P-256/SHA-256 over the RFC 8785 canonical JSON of "reading"; low-S only.',
  keys: {
    device: { privateKeyPem: device.privateKeyPem, publicKeyPem: device.publicKeyPem },
    other: { privateKeyPem: other.privateKeyPem, publicKeyPem: other.publicKeyPem },
  },
  canonical: { reading: base, canonicalJson: canonicalReadingBytes(base).toString('utf8') },
  vectors,
};

const out = join(__dirname, '..', '..', 'vectors', 'reading-vectors.json');
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors to ${out}`);
