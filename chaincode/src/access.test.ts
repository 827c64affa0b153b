import type { Contract } from 'fabric-contract-api';
import { as, contracts, newTestDevice, Scenario } from './testing/test-fixtures';

type Declared = { name: string; tag: string[]; parameters?: { name: string }[] };
const reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };

const submitTransactions = Object.values(contracts).flatMap((contract: Contract) =>
  ((reflect.getMetadata('fabric:transactions', contract) ?? []) as Declared[])
    .filter((tx) => tx.tag.includes('SUBMIT'))
    .map((tx) => [`${contract.getName()}:${tx.name}`, contract, tx] as const),
);

// Arguments naming records that exist, and arguments that are garbage: the answer must not depend on them.
const plausible: Record<string, string> = { deviceId: 'd1', shipmentId: 'S1', toOrg: 'CarrierMSP' };

describe('auditors', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = new Scenario();
    await s.registerDevice(newTestDevice('d1'));
    await s.createShipment('S1');
    await s.attach('S1', ['d1']);
  });

  it('covers every submit transaction', () => {
    expect(submitTransactions).toHaveLength(14);
  });

  it.each(submitTransactions)(
    'are refused FORBIDDEN by %s, whatever the arguments',
    async (_name, contract, tx) => {
      const names = (tx.parameters ?? []).map((p) => p.name);
      for (const args of [
        names.map((n) => plausible[n] ?? 'x'),
        names.map(() => '\u0000{'),
        names.map(() => ''),
      ]) {
        const before = s.ledger.dump();
        await expect(s.ledger.submit(as.auditor, contract, tx.name, ...args)).rejects.toThrow(
          /^FORBIDDEN: only /,
        );
        expect(s.ledger.dump()).toBe(before);
      }
    },
  );
});
