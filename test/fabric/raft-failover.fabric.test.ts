import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '@hyperledger/fabric-gateway';
import { publicKeyPem } from '@provena/wire';
import type { DeviceRecord } from '../../chaincode/src/device.model';
import { deviceJson, PRODUCER } from '../../chaincode/src/testing/transaction-arguments';
import {
  freeBasePort,
  networkScript,
  nodePid,
  raftLeader,
  type ConnectionSettings,
} from '../support/fabric-network.harness';
import { connectAs, evaluate, submit, type FabricClient } from './fabric-clients';

// `network.sh up --orderers 3`: a Raft cluster of three orderers, which keeps ordering when one of them, the leader
// included, dies. A network of its own, so the tier's one-orderer network is left as it is.

const ORDERERS = 3;
let dir: string;
let basePort: number;
let connection: ConnectionSettings;
let admin: FabricClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'provena-raft-'));
  basePort = await freeBasePort();
  networkScript(dir, basePort, 'up', '--orderers', '3');
  connection = JSON.parse(readFileSync(join(dir, 'connection.json'), 'utf8')) as ConnectionSettings;
  admin = connectAs(connection, PRODUCER, 'admin');
}, 600_000);

afterAll(() => {
  admin?.close();
  if (dir) networkScript(dir, basePort, 'down', '--wipe');
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const leader = (): Promise<string | undefined> => raftLeader(basePort, ORDERERS);

async function register(id: string): Promise<DeviceRecord> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return (
    await submit<DeviceRecord>(
      admin,
      'device:RegisterDevice',
      deviceJson({ deviceId: id, publicKeyPem: publicKeyPem(publicKey) }),
    )
  ).result;
}

async function readOnceCommitted(client: FabricClient, deviceId: string): Promise<DeviceRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await evaluate<DeviceRecord>(client, 'device:GetDevice', deviceId);
    } catch (err) {
      const said =
        err instanceof GatewayError ? [err.message, ...err.details.map((d) => d.message)] : [String(err)];
      if (Date.now() > deadline || !said.some((m) => m.includes('NOT_FOUND'))) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

it('commits on three orderers, and again after the Raft leader is killed', async () => {
  expect((await register('raft-before')).status).toBe('active');
  const killed = await leader();
  expect(killed).toBeDefined();
  process.kill(nodePid(dir, killed!), 'SIGKILL');

  // The two left elect a new leader (Raft's election timeout is a few seconds); until then the peers' gateway
  // answers UNAVAILABLE, which a client retries, as the gateway's ingest does.
  const deadline = Date.now() + 60_000;
  let recorded: DeviceRecord | undefined;
  let lastError: unknown;
  // A fresh id per attempt: an attempt that timed out may still have been ordered.
  for (let attempt = 1; !recorded && Date.now() < deadline; attempt++) {
    try {
      recorded = await register(`raft-after-${attempt}`);
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  if (!recorded) throw lastError;
  expect(recorded.status).toBe('active');
  const newLeader = await leader();
  expect(newLeader).toBeDefined();
  expect(newLeader).not.toBe(killed);
  const auditor = connectAs(connection, 'AuditorMSP', 'auditor');
  try {
    // submit() waited for the commit on the producer's peer; the auditor's peer pulls the same block from an
    // orderer on its own, and may be a moment behind after the leader change. Only NOT_FOUND is waited out.
    const read = await readOnceCommitted(auditor, recorded.deviceId);
    expect(read.registeredAtTxId).toBe(recorded.registeredAtTxId);
  } finally {
    auditor.close();
  }
});
