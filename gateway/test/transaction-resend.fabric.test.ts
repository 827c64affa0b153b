import { connectAs, evaluate, submit, type FabricClient } from '../../test/fabric/fabric-clients';
import { chainHeight, committedWrites, type CommittedWrites } from '../../test/support/fabric-blocks';
import { testNetwork } from '../../test/support/fabric-network.harness';
import { PRODUCER, shipmentJson } from '../../chaincode/src/testing/transaction-arguments';
import { loadGatewayConfig } from '../src/config/gateway-config';
import { FabricLedgerAdapter } from '../src/ledger/fabric-ledger.adapter';
import { fabricGatewayEnv, runId } from './ledger-under-test';

// When a transaction has no commit status for a while, the gateway's Fabric adapter sends the same signed
// transaction to the orderers again (an orderer killed before cutting a block loses what it had accepted). That
// is only safe if Fabric treats a second copy of one transaction id as this file checks, on the real network:
// the ledger applies the transaction once, the commit status names the copy that counted, and a transaction
// first ordered late still commits.

const net = testNetwork();
const channel = net.connection.channel;
let producer: FabricClient;

beforeAll(() => {
  producer = connectAs(net.connection, PRODUCER, 'operator');
});

afterAll(() => {
  producer?.close();
});

/** Every copy of the given transactions in blocks from `from` on, polled until `until` holds or 30 s pass. */
async function copiesOnLedger(
  txIds: ReadonlySet<string>,
  from: bigint,
  until: (copies: CommittedWrites[]) => boolean,
): Promise<CommittedWrites[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const height = await chainHeight(producer.network, channel);
    const copies: CommittedWrites[] = [];
    for (let block = from; block < height; block++) {
      for (const tx of await committedWrites(producer.network, channel, block)) {
        if (txIds.has(tx.txId)) copies.push(tx);
      }
    }
    if (until(copies) || Date.now() > deadline) return copies;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('one signed transaction sent to the orderers more than once (Fabric test network)', () => {
  it('a copy sent after the first committed: the status names the first, the copy is DUPLICATE_TXID, the state written once', async () => {
    const shipmentId = runId('SHP-twice');
    const from = await chainHeight(producer.network, channel);
    const transaction = await producer
      .contract('shipment')
      .newProposal('CreateShipment', { arguments: [shipmentJson(shipmentId)] })
      .endorse();
    const first = await (await transaction.submit()).getStatus();
    expect(first.successful).toBe(true);

    const again = await (await transaction.submit()).getStatus();
    expect(again).toEqual(first);

    const copies = await copiesOnLedger(
      new Set([transaction.getTransactionId()]),
      from,
      (c) => c.length === 2,
    );
    expect(copies.map((c) => c.validationCode)).toEqual(['VALID', 'DUPLICATE_TXID']);
    expect(copies[1]?.writes).toEqual(copies[0]?.writes);
    const shipment = await evaluate<{ shipmentId: string }>(producer, 'shipment:GetShipment', shipmentId);
    expect(shipment.shipmentId).toBe(shipmentId);
  });

  it('a transaction the orderers first receive after later blocks committed (a lost one, sent again) still commits', async () => {
    const late = runId('SHP-late');
    const transaction = await producer
      .contract('shipment')
      .newProposal('CreateShipment', { arguments: [shipmentJson(late)] })
      .endorse();
    const meanwhile = await submit(producer, 'shipment:CreateShipment', shipmentJson(runId('SHP-meanwhile')));

    const status = await (await transaction.submit()).getStatus();
    expect(status.successful).toBe(true);
    expect(status.blockNumber).toBeGreaterThan(meanwhile.blockNumber);
    expect((await evaluate<{ shipmentId: string }>(producer, 'shipment:GetShipment', late)).shipmentId).toBe(
      late,
    );
  });

  it("the gateway's adapter resending each 100 ms, below the commit time: every transaction applied once, every resend a refused copy", async () => {
    const config = loadGatewayConfig(fabricGatewayEnv(net)).fabric;
    const adapter = new FabricLedgerAdapter({ ...config, resendAfterMs: 100 });
    try {
      const from = await chainHeight(producer.network, channel);
      const ids = Array.from({ length: 6 }, (_, i) => runId(`SHP-resent-${i}`));
      const committed = [];
      for (const id of ids) {
        committed.push(
          await adapter.submit<{ shipmentId: string }>(
            { org: PRODUCER, role: 'operator' },
            'shipment:CreateShipment',
            [shipmentJson(id)],
          ),
        );
      }
      expect(committed.map((c) => c.result.shipmentId)).toEqual(ids);
      // No resend starts once a status came; one already on its way is acknowledged within milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // A block waits for BatchTimeout (200 ms on the test network), so each transaction is sent again at least once.
      const resent = adapter.transactionsResent();
      expect(resent).toBeGreaterThanOrEqual(ids.length);

      const txIds = new Set(committed.map((c) => c.txId));
      const copies = await copiesOnLedger(txIds, from, (c) => c.length === ids.length + resent);
      expect(copies).toHaveLength(ids.length + resent);
      for (const { txId, blockNumber } of committed) {
        const ofTx = copies.filter((c) => c.txId === txId);
        expect(ofTx[0]?.validationCode).toBe('VALID');
        expect(ofTx.slice(1).every((c) => c.validationCode === 'DUPLICATE_TXID')).toBe(true);
        expect((await committedWrites(producer.network, channel, blockNumber)).map((c) => c.txId)).toContain(
          txId,
        );
      }
    } finally {
      await adapter.close();
    }
  });
});
