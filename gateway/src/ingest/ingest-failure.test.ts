import { GatewayError, GatewayErrorCode, fromChaincodeMessage } from '../errors/gateway-error';
import { classifyIngestFailure } from './ingest-failure';

const commitFailed = (validationCode?: string): GatewayError =>
  new GatewayError(
    GatewayErrorCode.CommitFailed,
    'not committed',
    validationCode === undefined ? undefined : { validationCode },
  );

describe('classifyIngestFailure', () => {
  it.each([
    [
      'an unreachable ledger, a deadline or an aborted endorsement',
      new GatewayError(GatewayErrorCode.LedgerUnavailable, 'x'),
      'transient',
      'LEDGER_UNAVAILABLE',
    ],
    ['an MVCC conflict', commitFailed('MVCC_READ_CONFLICT'), 'transient', 'COMMIT_FAILED'],
    ['a phantom read conflict', commitFailed('PHANTOM_READ_CONFLICT'), 'transient', 'COMMIT_FAILED'],
    ['a commit failure without a validation code', commitFailed(), 'transient', 'COMMIT_FAILED'],
    [
      'an endorsement policy failure',
      commitFailed('ENDORSEMENT_POLICY_FAILURE'),
      'split',
      'COMMIT_FAILED:ENDORSEMENT_POLICY_FAILURE',
    ],
    ['a bad read-write set', commitFailed('BAD_RWSET'), 'split', 'COMMIT_FAILED:BAD_RWSET'],
    [
      "the chaincode's INTERNAL",
      fromChaincodeMessage('chaincode response 500, INTERNAL: boom'),
      'split',
      'INTERNAL',
    ],
    [
      'a chaincode error without a known code',
      fromChaincodeMessage('TypeError: x is undefined'),
      'split',
      'INTERNAL',
    ],
    [
      'a whole-batch FORBIDDEN (our identity, not the device)',
      fromChaincodeMessage('FORBIDDEN: auditors may not'),
      'split',
      'FORBIDDEN',
    ],
    [
      'a thrown non-GatewayError (a gateway bug)',
      new TypeError('undefined is not a function'),
      'split',
      'INTERNAL',
    ],
    [
      'a whole-batch INVALID_ARGUMENT',
      fromChaincodeMessage('INVALID_ARGUMENT: bad batch'),
      'refuse',
      'INVALID_ARGUMENT',
    ],
  ])('%s', (_name, err, kind, code) => {
    expect(classifyIngestFailure(err)).toMatchObject({ kind, code });
  });

  it('keeps the message to store with a dead letter', () => {
    expect(classifyIngestFailure(fromChaincodeMessage('INTERNAL: state is not JSON')).message).toBe(
      'state is not JSON',
    );
    expect(classifyIngestFailure('a string').message).toBe('a string');
  });
});
