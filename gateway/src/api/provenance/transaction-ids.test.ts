import { transactionIdsOf } from './transaction-ids';

describe('transactionIdsOf', () => {
  it('finds every transaction a provenance names, once each, in order of first appearance', () => {
    const provenance = {
      shipment: {
        createdAtTxId: 'tx-create',
        pendingOffer: null,
        custody: [
          { action: 'created', txId: 'tx-create' },
          { action: 'offered', txId: 'tx-offer' },
        ],
      },
      attachments: [{ attachedAtTxId: 'tx-attach', detachedAtTxId: null }],
      breaches: [{ txId: 'tx-read-1', disposition: { txId: 'tx-dispose' } }],
      readings: [{ deviceId: 'd1', txIds: ['tx-read-1', 'tx-read-2'] }],
    };
    expect(transactionIdsOf(provenance)).toEqual([
      'tx-create',
      'tx-offer',
      'tx-attach',
      'tx-read-1',
      'tx-dispose',
      'tx-read-2',
    ]);
  });

  it('ignores fields that only look like transaction ids', () => {
    expect(transactionIdsOf({ txIdNote: 'x', notes: ['txId'], count: 3, txId: 7 })).toEqual([]);
  });
});
