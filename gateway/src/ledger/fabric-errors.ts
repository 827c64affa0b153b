import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError as FabricGatewayError } from '@hyperledger/fabric-gateway';
import { parseLedgerError } from '@provena/wire';
import { GatewayError, GatewayErrorCode, fromChaincodeMessage } from '../errors/gateway-error';

/**
 * gRPC codes that mean "Fabric did not answer in time or at all": the request may succeed later. FAILED_PRECONDITION
 * is what a peer's gateway answers while it sees no set of peers that can satisfy the endorsement policy ("no
 * combination of peers can be derived"): seen for seconds after a peer restarts, until gossip forms again.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.CANCELLED,
  GrpcStatus.FAILED_PRECONDITION,
]);

/** Fabric's validation codes that a fresh proposal can overcome. */
const CONFLICT_CODES: ReadonlySet<string> = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

/**
 * Translates what fabric-gateway throws into the gateway's errors. A chaincode refusal travels as a message
 * ("chaincode response 500, FORBIDDEN: ...") in the error's details or text: its stable code is kept. Everything
 * that is Fabric failing, not the caller, becomes LEDGER_UNAVAILABLE or COMMIT_FAILED, which callers may retry.
 */
export function translateFabricError(
  err: unknown,
  validationCodeName: (code: number) => string,
): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof CommitError) {
    const name = validationCodeName(err.code);
    return new GatewayError(
      GatewayErrorCode.CommitFailed,
      `transaction ${err.transactionId} was not committed: ${name}`,
      { transactionId: err.transactionId, validationCode: name, retryable: CONFLICT_CODES.has(name) },
      { cause: err },
    );
  }
  if (err instanceof FabricGatewayError) {
    let uncoded: string | undefined;
    for (const text of [...err.details.map((d) => d.message), err.message]) {
      if (parseLedgerError(text).code !== undefined) return fromChaincodeMessage(text, err);
      const wrapped = /chaincode response \d{3}, ([\s\S]*)$/.exec(text);
      if (wrapped?.[1] && parseLedgerError(wrapped[1]).code !== undefined) {
        return fromChaincodeMessage(wrapped[1], err);
      }
      uncoded ??= wrapped?.[1];
    }
    if (uncoded !== undefined) {
      // The chaincode ran and failed without one of its codes (the shim's own argument checks, or a bug): the same
      // request fails the same way again, so it is no ledger outage to wait out.
      return new GatewayError(GatewayErrorCode.Internal, `chaincode: ${uncoded}`, undefined, { cause: err });
    }
    const denied = err.details.find((d) => /error validating proposal: access denied/.test(d.message));
    if (denied) {
      // The peer does not accept the signer as a member of the channel: a revoked person (their certificate on
      // the organisation's CRL), or an identity of no channel organisation. Retrying cannot help.
      return new GatewayError(
        GatewayErrorCode.Forbidden,
        `${denied.mspId}'s peer refused the signing identity: ${denied.message}`,
        undefined,
        { cause: err },
      );
    }
    if (UNAVAILABLE_CODES.has(err.code) || err.code === GrpcStatus.ABORTED) {
      // ABORTED: endorsers disagreed or the orderer refused; a new attempt gets a new proposal.
      return new GatewayError(GatewayErrorCode.LedgerUnavailable, `Fabric: ${err.message}`, undefined, {
        cause: err,
      });
    }
    return new GatewayError(GatewayErrorCode.Internal, `Fabric: ${err.message}`, undefined, { cause: err });
  }
  return new GatewayError(
    GatewayErrorCode.Internal,
    err instanceof Error ? err.message : String(err),
    undefined,
    { cause: err },
  );
}
