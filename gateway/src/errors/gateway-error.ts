import { LedgerErrorCode, parseLedgerError } from '@provena/wire';

/**
 * Why the gateway refused or failed a request. Stable codes: API clients branch on them, metrics count them.
 * The chaincode's codes pass through unchanged; the rest are the gateway's own.
 */
export const GatewayErrorCode = {
  ...LedgerErrorCode,
  /** No API key, or one that is unknown, revoked or expired. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** The request body, path or query is malformed; `details.field` names what is wrong. */
  ValidationFailed: 'VALIDATION_FAILED',
  /** Too many requests from one API key. */
  RateLimited: 'RATE_LIMITED',
  /** Fabric (a peer or the orderer) could not be reached or did not answer in time; try again. */
  LedgerUnavailable: 'LEDGER_UNAVAILABLE',
  /** The transaction was ordered but Fabric marked it invalid (e.g. MVCC_READ_CONFLICT after every retry). */
  CommitFailed: 'COMMIT_FAILED',
  /** An `Idempotency-Key` sent again with another request (method, path or body) than the one it first came with. */
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  /** The first request with this `Idempotency-Key` is still running; retry after `Retry-After` for its answer. */
  IdempotencyInProgress: 'IDEMPOTENCY_IN_PROGRESS',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** One base class with a stable code; `details` is safe to show to the API client. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether retrying the same request later can succeed (the ledger was unreachable, or a commit conflicted). */
  get transient(): boolean {
    return this.code === GatewayErrorCode.LedgerUnavailable || this.code === GatewayErrorCode.CommitFailed;
  }
}

/**
 * Turns a chaincode error message (bare, or wrapped by the peer) into a GatewayError with the chaincode's code.
 * A message without a known code is the chaincode failing, not the caller: INTERNAL.
 */
export function fromChaincodeMessage(message: string, cause?: unknown): GatewayError {
  const parsed = parseLedgerError(message);
  return new GatewayError(parsed.code ?? GatewayErrorCode.Internal, parsed.message, undefined, { cause });
}
