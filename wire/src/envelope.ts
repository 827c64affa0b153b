import type { KeyObject } from 'node:crypto';
import { Limits } from './limits';
import { RefusalCode, WireError } from './errors';
import { checkSignedReading, type Reading, type SignedReading } from './reading';
import { parseStrictJson } from './strict-json';
import { signReading, verifyReadingSignature } from './signature';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a signed reading from the bytes a device published: size first (cheap), then strict UTF-8 and JSON,
 * then the schema. The signature is checked separately, because the key has to be looked up by device id.
 * @throws {@link WireError} with the reason for refusal.
 */
export function decodeSignedReading(payload: Uint8Array | string): SignedReading {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (bytes.byteLength > Limits.maxEnvelopeBytes) {
    throw new WireError(
      RefusalCode.TooLarge,
      `envelope is ${bytes.byteLength} bytes; at most ${Limits.maxEnvelopeBytes}`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new WireError(RefusalCode.MalformedJson, 'envelope is not valid UTF-8');
  }
  return checkSignedReading(parseStrictJson(text, { maxStringLength: Limits.maxEnvelopeBytes }));
}

/** Encodes a signed reading for publishing. The wire form is plain JSON; receivers never rely on its byte order. */
export function encodeSignedReading(signed: SignedReading): Buffer {
  return Buffer.from(JSON.stringify(signed), 'utf8');
}

/** Signs a reading and wraps it in the envelope devices publish. */
export function sealReading(reading: Reading, privateKey: KeyObject): SignedReading {
  return { reading, signature: signReading(reading, privateKey) };
}

/**
 * Full edge check of one signed reading against a known device key: decode, schema and signature.
 * @throws {@link WireError}
 */
export function openSignedReading(payload: Uint8Array | string, publicKey: KeyObject): SignedReading {
  const signed = decodeSignedReading(payload);
  verifyReadingSignature(signed.reading, signed.signature, publicKey);
  return signed;
}

/**
 * Refuses a reading whose device clock runs ahead of `nowMs` by more than `maxAheadMs`. Readings from the past
 * are fine: devices buffer while offline and send later.
 * @throws {@link WireError} CLOCK_SKEW
 */
export function checkClockSkew(reading: Reading, nowMs: number, maxAheadMs: number): void {
  if (reading.measuredAt - nowMs > maxAheadMs) {
    throw new WireError(
      RefusalCode.ClockSkew,
      `measuredAt is ${reading.measuredAt - nowMs} ms ahead of the receiver's clock; at most ${maxAheadMs} ms allowed`,
    );
  }
}
