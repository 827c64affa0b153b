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

  // The pallets a case travelled on are facts an auditor must be able to place on the ledger like the others.
  it("finds the transactions of a case's pallet trips: pack, unpack, the pallet's custody, its logger's readings", () => {
    const provenance = {
      shipment: {
        createdAtTxId: 'tx-create',
        custody: [{ action: 'accepted', palletId: 'P1', txId: 'tx-accept' }],
      },
      pallets: [
        {
          palletId: 'P1',
          packedAtTxId: 'tx-pack',
          unpackedAtTxId: 'tx-unpack',
          custody: [
            { action: 'offered', txId: 'tx-offer' },
            { action: 'accepted', txId: 'tx-accept' },
          ],
          readings: [{ deviceId: 'logger', txIds: ['tx-read'] }],
        },
        { palletId: 'P2', packedAtTxId: 'tx-pack-2', unpackedAtTxId: null, custody: [], readings: [] },
      ],
    };
    expect(transactionIdsOf(provenance)).toEqual([
      'tx-create',
      'tx-accept',
      'tx-pack',
      'tx-unpack',
      'tx-offer',
      'tx-read',
      'tx-pack-2',
    ]);
  });

  it('ignores fields that only look like transaction ids', () => {
    expect(transactionIdsOf({ txIdNote: 'x', notes: ['txId'], count: 3, txId: 7 })).toEqual([]);
  });
});
