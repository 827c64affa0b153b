/**
 * Why a reading (or any wire input) was refused. The codes are stable: the gateway counts refusals by them,
 * devices receive them on their rejection topic, and the chaincode puts them at the start of its messages.
 */
export const RefusalCode = {
  /** Not valid UTF-8 or not valid JSON (this includes NaN, Infinity and trailing garbage). */
  MalformedJson: 'MALFORMED_JSON',
  /** The same object key twice: parsers disagree on which one wins, so we accept neither. */
  DuplicateKey: 'DUPLICATE_KEY',
  /** More bytes, nesting or string length than the format allows. */
  TooLarge: 'TOO_LARGE',
  /**
   * Well-formed JSON (or a value about to be hashed) that does not match its schema: a reading, forecast values,
   * a forecast anchor, a model; `field` names the offending path.
   */
  SchemaViolation: 'SCHEMA_VIOLATION',
  /** The signature is not 64 bytes of base64url, or does not verify against the device's key. */
  BadSignature: 'BAD_SIGNATURE',
  /** The high-S twin of a valid signature. Accepting both would give one reading two transaction-visible forms. */
  HighS: 'HIGH_S_SIGNATURE',
  /** The public key is not an uncompressed P-256 SPKI key. */
  BadPublicKey: 'BAD_PUBLIC_KEY',
  /** The device clock is further ahead of the checker's clock than the tolerated skew. */
  ClockSkew: 'CLOCK_SKEW',
  /** No device with this id is registered. */
  UnknownDevice: 'UNKNOWN_DEVICE',
  /** The device was revoked before this sequence number. */
  DeviceRevoked: 'DEVICE_REVOKED',
  /** The (device, sequence) pair is already on the ledger with different content: a sequence reset or forgery. */
  SequenceReused: 'SEQUENCE_REUSED',
  /** The reading names a shipment the device is not attached to, or one that does not exist. */
  ShipmentMismatch: 'SHIPMENT_MISMATCH',
} as const;

export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

/** A refusal of wire input: a stable {@link RefusalCode}, a human-readable reason and, for schema errors, the field path. */
export class WireError extends Error {
  override readonly name = 'WireError';

  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly field?: string,
  ) {
    super(`${code}: ${message}`);
  }

  /** The reason without the code prefix, as sent to devices. */
  get reason(): string {
    return this.message.slice(this.code.length + 2);
  }
}
