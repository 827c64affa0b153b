import './testing/quiet-fabric-logs';
import { JSONSerializer } from 'fabric-contract-api';
import { parseLedgerError } from '@provena/wire';
import { contracts } from './index';
import { InMemoryLedger } from './testing/in-memory-context';
import { deviceJson, newTestDevice } from './testing/test-fixtures';

// fabric-chaincode-node's own dispatcher: what `fabric-chaincode-node server` builds from our `contracts` export.
// It has no type declarations, so only the parts used here are typed.
type Metadata = {
  contracts: Record<
    string,
    {
      name: string;
      info: unknown;
      transactions: { name: string; tag: string[]; parameters?: { name: string }[]; returns?: unknown }[];
    }
  >;
};
type ShimChaincode = {
  metadata: Metadata;
  Invoke(stub: unknown): Promise<{ status: number; message: string; payload?: Buffer }>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
  contractClasses: unknown[],
  serializers: unknown,
  metadata: object,
  title: string,
  version: string,
) => ShimChaincode;

function newChaincode(): ShimChaincode {
  // The constructor appends Fabric's system contract to the array it is given.
  return new ChaincodeFromContract(
    [...contracts],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    '@provena/chaincode',
    '0.1.0',
  );
}

describe('contract metadata', () => {
  const { metadata } = newChaincode();
  const ours = Object.values(metadata.contracts).filter((c) => c.name !== 'org.hyperledger.fabric');

  it('keeps the public surface: contracts, transactions, parameters, submit or evaluate', () => {
    expect(ours).toMatchSnapshot();
  });

  it('names transactions in PascalCase, returns a string from each, and makes every Get and List a query', () => {
    for (const tx of ours.flatMap((c) => c.transactions)) {
      expect(tx.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(tx.returns).toEqual({ type: 'string' });
      expect(tx.tag.includes('EVALUATE')).toBe(/^(Get|List)/.test(tx.name));
    }
    expect(ours.map((c) => c.name)).toEqual(['device', 'shipment', 'reading', 'forecast', 'pallet']);
  });

  it('declares each parameter under the name its method gives it', () => {
    for (const [i, contractClass] of contracts.entries()) {
      for (const tx of ours[i]?.transactions ?? []) {
        const method = (contractClass.prototype as unknown as Record<string, () => unknown>)[tx.name];
        const [, list = ''] = /^async \w+\(([^)]*)\)/.exec(String(method)) ?? [];
        const names = list.split(',').map((p) => p.trim());
        expect(names).toEqual(['ctx', ...(tx.parameters ?? []).map((p) => p.name)]);
      }
    }
  });
});

describe('dispatch through fabric-chaincode-node', () => {
  const chaincode = newChaincode();
  const ledger = new InMemoryLedger();
  const invoke = async (mspId: string, ou: 'admin' | 'client', ...args: string[]) => {
    const ctx = ledger.begin({ mspId, ou }, { args });
    const response = await chaincode.Invoke(ctx.stub);
    if (response.status === 200) ledger.commit(ctx);
    return response;
  };

  it('runs a transaction with the shim’s own client identity and returns its JSON', async () => {
    const response = await invoke(
      'ProducerMSP',
      'admin',
      'device:RegisterDevice',
      deviceJson(newTestDevice('d1')),
    );
    expect(response.status).toBe(200);
    const device = JSON.parse(response.payload!.toString('utf8')) as { deviceId: string };
    expect(device.deviceId).toBe('d1');
    const read = await invoke('AuditorMSP', 'client', 'device:GetDevice', 'd1');
    expect(JSON.parse(read.payload!.toString('utf8'))).toEqual(device);
  });

  it('sends refusals as messages that start with their code', async () => {
    const response = await invoke('AuditorMSP', 'client', 'device:RevokeDevice', 'd1', 'lost');
    expect(response.status).toBe(500);
    expect(parseLedgerError(response.message)).toEqual({
      code: 'FORBIDDEN',
      message: 'only an admin of ProducerMSP may revoke device d1',
    });
  });

  it('codes unexpected failures INTERNAL and unknown transactions INVALID_ARGUMENT', async () => {
    expect((await invoke('ProducerMSP', 'client', 'device:Nope')).message).toBe(
      'INVALID_ARGUMENT: contract device has no transaction device:Nope',
    );
  });

  it("answers Fabric's org.hyperledger.fabric:GetMetadata, which tools read to discover the contracts", async () => {
    const response = await invoke('AuditorMSP', 'client', 'org.hyperledger.fabric:GetMetadata');
    expect(response).toMatchObject({ status: 200 });
    const metadata = JSON.parse(response.payload!.toString('utf8')) as Metadata;
    expect(Object.keys(metadata.contracts)).toEqual([
      'device',
      'shipment',
      'reading',
      'forecast',
      'pallet',
      'org.hyperledger.fabric',
    ]);
  });

  it('leaves argument-count errors to the shim, without a code', async () => {
    const response = await invoke('ProducerMSP', 'client', 'device:GetDevice', 'd1', 'extra');
    expect(response.status).toBe(500);
    expect(parseLedgerError(response.message).code).toBeUndefined();
  });
});
