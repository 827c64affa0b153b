import {
  decodeSignedReading,
  loadReadingVectors,
  parseDevicePublicKey,
  verifyReadingSignature,
  WireError,
} from './index';

const file = loadReadingVectors();

describe('shared reading vectors', () => {
  it.each(file.vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const key = parseDevicePublicKey(file.keys[vector.key]!.publicKeyPem);
    const verdict = (() => {
      try {
        const signed = decodeSignedReading(vector.payload);
        verifyReadingSignature(signed.reading, signed.signature, key);
        return { ok: true as const };
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        return { ok: false as const, code: err.code, field: err.field };
      }
    })();
    if (vector.expect.ok) {
      expect(verdict).toEqual({ ok: true });
    } else {
      expect(verdict.ok).toBe(false);
      expect(verdict).toMatchObject({ code: vector.expect.code });
      if (vector.expect.field) expect(verdict).toMatchObject({ field: vector.expect.field });
    }
  });

  it('covers every refusal family the issue names', () => {
    const codes = new Set(file.vectors.flatMap((v) => (v.expect.ok ? [] : [v.expect.code])));
    for (const code of [
      'BAD_SIGNATURE',
      'HIGH_S_SIGNATURE',
      'SCHEMA_VIOLATION',
      'MALFORMED_JSON',
      'TOO_LARGE',
      'DUPLICATE_KEY',
    ]) {
      expect(codes).toContain(code);
    }
  });
});
