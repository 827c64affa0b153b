import { LedgerErrorCode, parseLedgerError, WireError } from '@provena/wire';
import { LedgerError, toLedgerError } from './ledger-error';

describe('LedgerError', () => {
  it('puts the code and a colon first, where the gateway reads it back', () => {
    const err = new LedgerError(
      LedgerErrorCode.OpenBreach,
      'shipment S1 has 2 breach(es) without a disposition',
    );
    expect(err.message).toBe('OPEN_BREACH: shipment S1 has 2 breach(es) without a disposition');
    expect(parseLedgerError(err.message)).toEqual({
      code: 'OPEN_BREACH',
      message: 'shipment S1 has 2 breach(es) without a disposition',
    });
  });

  it('turns wire refusals into INVALID_ARGUMENT and anything else into INTERNAL, keeping the cause', () => {
    const wire = new WireError('MALFORMED_JSON', 'unexpected end of input at offset 3');
    expect(toLedgerError(wire)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'INVALID_ARGUMENT: MALFORMED_JSON: unexpected end of input at offset 3',
      cause: wire,
    });
    const bug = new TypeError("Cannot read properties of undefined (reading 'keys')");
    expect(toLedgerError(bug)).toMatchObject({ code: 'INTERNAL', cause: bug });
    const same = new LedgerError(LedgerErrorCode.NotFound, 'x');
    expect(toLedgerError(same)).toBe(same);
  });
});

describe('parseLedgerError', () => {
  it('reads the code from a message wrapped by the peer', () => {
    expect(
      parseLedgerError(
        'chaincode response 500, FORBIDDEN: only an admin of ProducerMSP may revoke device d1',
      ),
    ).toEqual({
      code: 'FORBIDDEN',
      message: 'only an admin of ProducerMSP may revoke device d1',
    });
  });

  it('keeps multi-line details', () => {
    expect(parseLedgerError('CONFLICT: a\nb').message).toBe('a\nb');
  });

  it.each([
    'Expected 1 parameters, but 2 have been supplied',
    'MVCC_READ_CONFLICT: not ours',
    'failed to endorse transaction: chaincode response 500, FORBIDDEN: x',
    '',
  ])('has no code for messages that do not start with one of ours: %j', (message) => {
    expect(parseLedgerError(message)).toEqual({ code: undefined, message });
  });
});
