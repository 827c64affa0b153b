import { generateKeyPairSync } from 'node:crypto';
import { publicKeyPem } from '@provena/wire';
import { GatewayError } from '../errors/gateway-error';
import { InMemoryLedgerAdapter } from './in-memory-ledger.adapter';

const admin = { org: 'ProducerMSP', role: 'admin' } as const;

describe('InMemoryLedgerAdapter (test double of the ledger port)', () => {
  it('runs the real chaincode: a registered device can be read back, with its block', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const device = {
      deviceId: 'd1',
      publicKeyPem: publicKeyPem(publicKey),
      ownerOrg: 'ProducerMSP',
      kind: 'logger',
    };
    const committed = await ledger.submit(admin, 'device:RegisterDevice', [JSON.stringify(device)]);
    expect(committed.blockNumber).toBe(1n);
    expect(await ledger.transactionInfo(admin, committed.txId)).toMatchObject({ validationCode: 'VALID' });
    await expect(ledger.evaluate(admin, 'device:GetDevice', ['d1'])).resolves.toMatchObject({
      deviceId: 'd1',
    });
  });

  it('keeps the chaincode code of a refusal', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const err = await ledger.evaluate(admin, 'device:GetDevice', ['nope']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });
});
