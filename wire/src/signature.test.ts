import { generateKeyPairSync } from 'node:crypto';
import {
  canonicalReadingBytes,
  loadReadingVectors,
  normaliseLowS,
  parseDevicePublicKey,
  readingHash,
  signLowS,
  signReading,
  verifyReadingSignature,
  type Reading,
} from './index';

const HALF_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') >> 1n;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const reading: Reading = {
  v: 1,
  deviceId: 'dev-1',
  seq: 3,
  measuredAt: 1_780_000_000_000,
  measurements: { temperatureC: 5 },
};

describe('signature scheme', () => {
  it('canonical bytes follow RFC 8785: sorted keys, no whitespace, shortest numbers', () => {
    const file = loadReadingVectors();
    expect(canonicalReadingBytes(file.canonical.reading).toString('utf8')).toBe(file.canonical.canonicalJson);
    expect(
      canonicalReadingBytes({ ...reading, measurements: { temperatureC: 5.0, humidityPct: 1e2 } }).toString(),
    ).toBe(
      '{"deviceId":"dev-1","measuredAt":1780000000000,"measurements":{"humidityPct":100,"temperatureC":5},"seq":3,"v":1}',
    );
  });

  it('always produces low-S signatures that verify', () => {
    for (let i = 0; i < 200; i++) {
      const raw = signLowS(Buffer.from(`m${i}`), privateKey);
      expect(raw).toHaveLength(64);
      expect(BigInt(`0x${raw.subarray(32).toString('hex')}`) <= HALF_N).toBe(true);
    }
    expect(() => verifyReadingSignature(reading, signReading(reading, privateKey), publicKey)).not.toThrow();
  });

  it('leaves a low-S signature unchanged', () => {
    const raw = signLowS(Buffer.from('x'), privateKey);
    expect(normaliseLowS(raw)).toBe(raw);
  });

  it('hashes a reading by its canonical bytes, not its key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({
        measurements: reading.measurements,
        seq: 3,
        v: 1,
        measuredAt: reading.measuredAt,
        deviceId: 'dev-1',
      }),
    );
    expect(readingHash(reordered)).toBe(readingHash(reading));
    expect(readingHash(reading)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses keys that are not P-256', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    expect(() => parseDevicePublicKey(ed)).toThrow(/BAD_PUBLIC_KEY/);
    expect(() => parseDevicePublicKey(p384)).toThrow(/BAD_PUBLIC_KEY/);
    expect(() => parseDevicePublicKey('not a key')).toThrow(/BAD_PUBLIC_KEY/);
  });
});
