import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { RefusalCode, WireError } from './errors';
import type { Reading } from './reading';

/** Order of the P-256 group; a signature's S above half of it is the high-S twin we refuse. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;

/**
 * The bytes a device signs: the RFC 8785 (JCS) canonical JSON of the reading, UTF-8 encoded.
 * Every party derives them from the parsed reading, never from the bytes that travelled, so whitespace or key
 * order on the wire cannot change what was signed.
 */
export function canonicalReadingBytes(reading: Reading): Buffer {
  const text = canonicalize(reading);
  if (text === undefined) throw new WireError(RefusalCode.SchemaViolation, 'reading cannot be canonicalised');
  return Buffer.from(text, 'utf8');
}

/**
 * RFC 8785 canonical JSON of any JSON-compatible value. The chaincode writes all state with it, so every
 * endorser produces the same bytes whatever order its objects were built in.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new WireError(RefusalCode.SchemaViolation, 'value cannot be canonicalised');
  return text;
}

/** SHA-256 of the canonical bytes, hex: the reading's content hash as the ledger stores it. */
export function readingHash(reading: Reading): string {
  return canonicalBytesHash(canonicalReadingBytes(reading));
}

/** {@link readingHash} from canonical bytes already at hand, so a verifier does not canonicalise twice. */
export function canonicalBytesHash(canonical: Uint8Array): string {
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Parses a device public key: PEM (SPKI) of a P-256 key. Parse once and keep the {@link KeyObject}: verifying
 * with a parsed key is about three times faster than parsing the PEM on each call.
 * @throws {@link WireError} BAD_PUBLIC_KEY
 */
export function parseDevicePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new WireError(RefusalCode.BadPublicKey, 'public key is not a PEM SPKI key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new WireError(RefusalCode.BadPublicKey, 'public key must be an EC key on P-256');
  }
  return key;
}

/** Re-exports the key as PEM SPKI, the single form the ledger stores. */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** Parses a device private key (PEM, PKCS#8 or SEC1) for signing. */
export function parseDevicePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey({ key: pem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new WireError(RefusalCode.BadPublicKey, 'private key must be an EC key on P-256');
  }
  return key;
}

function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex') || '0'}`);
}

function toBytes32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/**
 * Rewrites S to the low half of the group order when needed. ECDSA accepts (r, s) and (r, n - s) alike;
 * Fabric and this format accept only the low one, so a signature has exactly one valid encoding.
 */
export function normaliseLowS(p1363: Buffer): Buffer {
  const s = toBigInt(p1363.subarray(32));
  if (s <= P256_HALF_N) return p1363;
  return Buffer.concat([p1363.subarray(0, 32), toBytes32(P256_N - s)]);
}

/** Signs arbitrary bytes with ECDSA P-256 / SHA-256, returning the low-S IEEE P1363 form (64 bytes). */
export function signLowS(data: Uint8Array, privateKey: KeyObject): Buffer {
  return normaliseLowS(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}

/**
 * The high-S twin (r, n - s) of a low-S signature: the same ECDSA signature in its other valid encoding, which
 * this format refuses. For test vectors and tests of that refusal.
 */
export function highSTwin(signature: string): string {
  const raw = Buffer.from(signature, 'base64url');
  return Buffer.concat([raw.subarray(0, 32), toBytes32(P256_N - toBigInt(raw.subarray(32)))]).toString(
    'base64url',
  );
}

/** Signs a reading as a device does: low-S P-256 over SHA-256 of its canonical bytes, base64url. */
export function signReading(reading: Reading, privateKey: KeyObject): string {
  return signLowS(canonicalReadingBytes(reading), privateKey).toString('base64url');
}

/**
 * Verifies a device signature over a reading. Refuses malformed signatures, out-of-range r/s and high-S twins
 * before doing the (costly) curve arithmetic.
 * @throws {@link WireError} BAD_SIGNATURE or HIGH_S_SIGNATURE
 */
export function verifyReadingSignature(reading: Reading, signature: string, publicKey: KeyObject): void {
  verifyCanonicalSignature(canonicalReadingBytes(reading), signature, publicKey);
}

/**
 * {@link verifyReadingSignature} over canonical bytes already at hand (the chaincode also hashes them).
 * @throws {@link WireError} BAD_SIGNATURE or HIGH_S_SIGNATURE
 */
export function verifyCanonicalSignature(
  canonical: Uint8Array,
  signature: string,
  publicKey: KeyObject,
): void {
  if (!SIGNATURE_PATTERN.test(signature)) {
    throw new WireError(RefusalCode.BadSignature, 'signature must be 64 bytes in unpadded base64url');
  }
  const raw = Buffer.from(signature, 'base64url');
  const r = toBigInt(raw.subarray(0, 32));
  const s = toBigInt(raw.subarray(32));
  if (r === 0n || s === 0n || r >= P256_N || s >= P256_N) {
    throw new WireError(RefusalCode.BadSignature, 'signature values are out of range');
  }
  if (s > P256_HALF_N)
    throw new WireError(RefusalCode.HighS, 'signature has a high S value; use the low-S form');
  const ok = verify('sha256', canonical, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw);
  if (!ok)
    throw new WireError(RefusalCode.BadSignature, 'signature does not match the reading and device key');
}
