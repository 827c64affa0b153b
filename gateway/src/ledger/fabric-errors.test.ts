import { Metadata, status } from '@grpc/grpc-js';
import { CommitError, GatewayError as FabricGatewayError } from '@hyperledger/fabric-gateway';
import { GatewayError } from '../errors/gateway-error';
import { translateFabricError } from './fabric-errors';

const names = (code: number): string =>
  ({ 11: 'MVCC_READ_CONFLICT', 10: 'ENDORSEMENT_POLICY_FAILURE' })[code] ?? '?';

function fabricError(code: number, message: string, details: string[] = []): FabricGatewayError {
  const cause = Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
  return new FabricGatewayError({
    code,
    message,
    details: details.map((m) => ({ address: 'peer0:7051', mspId: 'ProducerMSP', message: m })),
    cause,
  });
}

describe('translateFabricError', () => {
  it('keeps the chaincode’s code from an endorsement error’s details', () => {
    const err = translateFabricError(
      fabricError(status.ABORTED, '10 ABORTED: failed to endorse transaction, see attached details', [
        'chaincode response 500, OPEN_BREACH: shipment S1 has 2 breaches without a disposition',
      ]),
      names,
    );
    expect(err).toMatchObject({
      code: 'OPEN_BREACH',
      message: 'shipment S1 has 2 breaches without a disposition',
    });
  });

  it('makes a chaincode failure without a code INTERNAL, not an outage to wait out', () => {
    const err = translateFabricError(
      fabricError(status.ABORTED, '10 ABORTED: failed to endorse transaction, see attached details', [
        "chaincode response 500, TypeError: Cannot read properties of undefined (reading 'seq')",
      ]),
      names,
    );
    expect(err).toMatchObject({
      code: 'INTERNAL',
      message: "chaincode: TypeError: Cannot read properties of undefined (reading 'seq')",
    });
  });

  it('makes "no combination of peers" (gossip not yet formed after a peer restart) an outage to wait out', () => {
    const err = translateFabricError(
      fabricError(
        status.FAILED_PRECONDITION,
        '9 FAILED_PRECONDITION: no combination of peers can be derived which satisfy the endorsement policy',
        [],
      ),
      names,
    );
    expect(err.code).toBe('LEDGER_UNAVAILABLE');
  });

  it('makes a peer refusing the signer (a revoked person) FORBIDDEN, not an outage to retry', () => {
    const err = translateFabricError(
      fabricError(
        status.ABORTED,
        '10 ABORTED: failed to endorse transaction, see attached details for more info',
        ['error validating proposal: access denied: channel [provena] creator org [ProducerMSP]'],
      ),
      names,
    );
    expect(err).toMatchObject({
      code: 'FORBIDDEN',
      message:
        "ProducerMSP's peer refused the signing identity: error validating proposal: access denied: channel [provena] creator org [ProducerMSP]",
    });
  });

  it('keeps an endorsement without a chaincode answer retryable', () => {
    const err = translateFabricError(
      fabricError(status.ABORTED, '10 ABORTED: failed to collect enough transaction endorsements', []),
      names,
    );
    expect(err.code).toBe('LEDGER_UNAVAILABLE');
  });

  it('keeps the chaincode’s code from an evaluate error’s message', () => {
    const err = translateFabricError(
      fabricError(
        status.UNKNOWN,
        'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: device d9 is not registered',
      ),
      names,
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.ABORTED])(
    'makes gRPC status %s a retryable LEDGER_UNAVAILABLE',
    (code) => {
      const err = translateFabricError(fabricError(code, 'peer gone'), names);
      expect(err).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
      expect(err.transient).toBe(true);
    },
  );

  it('names the validation code of a failed commit', () => {
    const err = translateFabricError(new CommitError({ code: 11, transactionId: 'tx1' }), names);
    expect(err).toMatchObject({
      code: 'COMMIT_FAILED',
      details: { validationCode: 'MVCC_READ_CONFLICT', retryable: true },
    });
  });

  it('passes the gateway’s own errors through and makes anything else INTERNAL', () => {
    const own = new GatewayError('FORBIDDEN', 'no');
    expect(translateFabricError(own, names)).toBe(own);
    expect(translateFabricError(new TypeError('boom'), names)).toMatchObject({ code: 'INTERNAL' });
  });
});
