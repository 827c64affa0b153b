/**
 * Why the chaincode refused a transaction. Chaincode errors cross Fabric only as a message, so every message the
 * chaincode throws begins with one of these codes and a colon (`FORBIDDEN: only an admin of ProducerMSP may ...`);
 * the gateway recovers the code with {@link parseLedgerError} and maps it to its own error types.
 * Per-reading refusals inside RecordReadings are not errors: they are verdicts carrying a `RefusalCode`.
 */
export const LedgerErrorCode = {
  /** The device, shipment, reading, breach or forecast run named does not exist. */
  NotFound: 'NOT_FOUND',
  /** A device, shipment or forecast run with this id is already registered or anchored. */
  AlreadyExists: 'ALREADY_EXISTS',
  /** The caller's organisation or role may not do this; the message says who may. */
  Forbidden: 'FORBIDDEN',
  /** An argument is malformed: bad JSON, unknown field, bad id, out-of-range number, too long, too many. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** The ledger's current state does not allow the change (e.g. a key rotation that does not move forward). */
  Conflict: 'CONFLICT',
  /** The shipment has compliance breaches without a disposition; custody cannot pass and delivery cannot happen. */
  OpenBreach: 'OPEN_BREACH',
  /** Accepting or rejecting custody when no offer is pending. */
  NoPendingOffer: 'NO_PENDING_OFFER',
  /** Offering custody or delivering while an offer is still pending. */
  OfferPending: 'OFFER_PENDING',
  /** The device is revoked: no key rotation, no new attachment. */
  DeviceRevoked: 'DEVICE_REVOKED',
  /** The shipment is delivered: its custody and attachments are closed. */
  ShipmentDelivered: 'SHIPMENT_DELIVERED',
  /** The chaincode failed in a way that is not the caller's fault (a bug or unreadable state). */
  Internal: 'INTERNAL',
} as const;

export type LedgerErrorCode = (typeof LedgerErrorCode)[keyof typeof LedgerErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(LedgerErrorCode));

/** What {@link parseLedgerError} recovers from an error message. */
export interface ParsedLedgerError {
  /** The chaincode's code, or undefined when the message did not come from the chaincode (peer, orderer, network). */
  code: LedgerErrorCode | undefined;
  /** The message without the code prefix, or the whole message when there is no code. */
  message: string;
}

// Peers wrap a chaincode's error as "chaincode response 500, <message>" in endorsement error details.
const PEER_WRAPPER = /^chaincode response \d{3}, /;
const CODED = /^([A-Z][A-Z_]*): ([\s\S]*)$/;

/**
 * Recovers the stable code from a chaincode error message, as the gateway receives it either bare or wrapped by
 * the peer.
 *
 * @example
 * parseLedgerError('chaincode response 500, OPEN_BREACH: shipment S1 has 2 breaches without a disposition');
 * // => { code: 'OPEN_BREACH', message: 'shipment S1 has 2 breaches without a disposition' }
 */
export function parseLedgerError(message: string): ParsedLedgerError {
  const match = CODED.exec(message.replace(PEER_WRAPPER, ''));
  if (!match || !KNOWN_CODES.has(match[1] ?? '')) return { code: undefined, message };
  return { code: match[1] as LedgerErrorCode, message: match[2] ?? '' };
}
