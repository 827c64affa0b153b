import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';

/**
 * What a failed RecordReadings transaction means for the readings in it:
 * - `transient`: Fabric did not take the transaction now (unreachable, a deadline, an MVCC conflict); the same
 *   batch may commit later. Retried with backoff, within the retry bound while the ledger takes other transactions.
 * - `split`: the batch as a whole cannot commit as it is, and the cause is not known to be any one reading's fault
 *   (the chaincode's INTERNAL, a commit invalid for another reason than a conflict, anything unknown). The batch is
 *   halved until the failing reading stands alone; that reading goes to the dead-letter store, for an admin to
 *   redrive once the cause is fixed. The device is not told: its reading was not refused.
 * - `refuse`: the chaincode refused the batch's content (INVALID_ARGUMENT). Halved until the reading stands alone;
 *   that reading is refused for good with the chaincode's code, and its device told.
 */
export type IngestFailureKind = 'transient' | 'split' | 'refuse';

export interface IngestFailure {
  readonly kind: IngestFailureKind;
  /** The stable code to count, log and store: a GatewayErrorCode, or `COMMIT_FAILED:<validation code>`. */
  readonly code: string;
  readonly message: string;
}

/** Fabric validation codes a fresh proposal of the same transaction can overcome. */
const CONFLICT_VALIDATION_CODES: ReadonlySet<string> = new Set([
  'MVCC_READ_CONFLICT',
  'PHANTOM_READ_CONFLICT',
]);

/**
 * Classifies what `ledger.submit('reading:RecordReadings', ...)` threw. Pure: the same error always gets the same
 * answer, so the rule can be read here and tested alone.
 *
 * Why INTERNAL splits and is not refused: RecordReadings answers a bad reading with a per-reading verdict, so an
 * error thrown for the whole batch is the chaincode (or the gateway) failing. The reading may be perfectly good;
 * refusing it would tell its device to give up on it and lose it. Dead-lettered, it keeps its signed envelope for a
 * redrive once the bug is fixed. A chaincode error without a known code reaches us as INTERNAL too (see
 * `fromChaincodeMessage`), as does anything that is not a GatewayError.
 *
 * Note: LEDGER_UNAVAILABLE also covers gRPC ABORTED, which a peer may answer for a chaincode that failed without
 * a coded message. The pipeline therefore does not trust the class alone: while the ledger takes other
 * transactions, a batch that keeps failing transiently is halved and each reading is bounded in time.
 *
 * @example
 * classifyIngestFailure(new GatewayError(GatewayErrorCode.Internal, 'state is not JSON')).kind; // => 'split'
 */
export function classifyIngestFailure(err: unknown): IngestFailure {
  if (!(err instanceof GatewayError)) {
    return { kind: 'split', code: GatewayErrorCode.Internal, message: messageOf(err) };
  }
  switch (err.code) {
    case GatewayErrorCode.LedgerUnavailable:
      return { kind: 'transient', code: err.code, message: err.message };
    case GatewayErrorCode.CommitFailed: {
      const validationCode = err.details?.['validationCode'];
      if (typeof validationCode !== 'string' || CONFLICT_VALIDATION_CODES.has(validationCode)) {
        // A conflict, or a commit failure that does not say why: a new proposal may commit.
        return { kind: 'transient', code: err.code, message: err.message };
      }
      // ENDORSEMENT_POLICY_FAILURE, BAD_RWSET, ...: the same transaction would be invalid again.
      return { kind: 'split', code: `${err.code}:${validationCode}`, message: err.message };
    }
    case GatewayErrorCode.InvalidArgument:
      return { kind: 'refuse', code: err.code, message: err.message };
    default:
      return { kind: 'split', code: err.code, message: err.message };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
