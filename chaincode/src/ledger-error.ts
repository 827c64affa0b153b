import { LedgerErrorCode, WireError } from '@provena/wire';

/**
 * The one error type the chaincode throws. Fabric passes only the message to the client, so the message starts
 * with the stable {@link LedgerErrorCode} and a colon; `parseLedgerError` in `@provena/wire` reads it back.
 *
 * @example
 * throw new LedgerError(LedgerErrorCode.NotFound, 'device d1 is not registered');
 * // message: "NOT_FOUND: device d1 is not registered"
 */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';

  constructor(
    readonly code: LedgerErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail}`, options);
  }
}

/**
 * Turns anything thrown inside a transaction into a {@link LedgerError}: wire-format refusals of arguments become
 * INVALID_ARGUMENT (keeping the wire code in the message), anything unexpected becomes INTERNAL.
 */
export function toLedgerError(err: unknown): LedgerError {
  if (err instanceof LedgerError) return err;
  if (err instanceof WireError)
    return new LedgerError(LedgerErrorCode.InvalidArgument, err.message, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new LedgerError(LedgerErrorCode.Internal, message, { cause: err });
}
