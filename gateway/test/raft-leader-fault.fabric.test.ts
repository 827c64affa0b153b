import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freeBasePort,
  networkScript,
  raftLeader,
  type ConnectionSettings,
  type TestNetwork,
} from '../../test/support/fabric-network.harness';
import { killNode, resumeNetwork } from '../../test/support/fabric-node-outage';
import { openFaultSuite, type FaultSuite } from './fault-suite.harness';

// The fault suite (gateway/test/fault-suite.harness.ts) on a Raft cluster of three orderers, as production runs
// one: the leader dies while readings flow. Transactions it had accepted but not yet cut into a block die with it
// (Raft logs blocks, not the transactions waiting for one); the two left elect a new leader and go on ordering.
// A network of its own (`network.sh up --orderers 3`), so the tier's one-orderer network is left as it is.

const ORDERERS = 3;
/** How long the old leader stays down after another one leads: the cluster works on with two of three. */
const LEFT_DOWN_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault suite on a three-orderer Raft network: the leader killed while readings flow', () => {
  let dir: string | undefined;
  let basePort: number;
  let net: TestNetwork;
  let suite: FaultSuite;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provena-raft-faults-'));
    basePort = await freeBasePort();
    networkScript(dir, basePort, 'up', '--orderers', String(ORDERERS));
    const connectionFile = join(dir, 'connection.json');
    const connection = JSON.parse(readFileSync(connectionFile, 'utf8')) as ConnectionSettings;
    net = { dir, basePort, connectionFile, connection };
    suite = await openFaultSuite(net, 'raft-faults');
  }, 900_000);

  afterAll(async () => {
    await suite?.close();
    if (dir) {
      networkScript(dir, basePort, 'down', '--wipe');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the Raft leader SIGKILLed, left down while another leads, then started again', async () => {
    await suite.runCase('raft-leader-killed', 3000, [1000], async (n, at) => {
      const killed = await raftLeader(n.basePort, ORDERERS);
      expect(killed).toBeDefined();
      at(`kill ${killed}`);
      await killNode(n, killed!);
      let next: string | undefined;
      for (const deadline = Date.now() + 60_000; !next || next === killed; await sleep(100)) {
        if (Date.now() > deadline) throw new Error(`no orderer leads 60 s after ${killed} was killed`);
        next = await raftLeader(n.basePort, ORDERERS);
      }
      at(`${next} leads`);
      await sleep(LEFT_DOWN_MS);
      at(`start ${killed} again`);
      await resumeNetwork(n);
    });
  }, 400_000);
});
