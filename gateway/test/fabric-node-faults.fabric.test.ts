import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testNetwork, type TestNetwork } from '../../test/support/fabric-network.harness';
import { freeze, killFor, openFaultSuite, type FaultSuite } from './fault-suite.harness';

// The fault suite (gateway/test/fault-suite.harness.ts) on the Fabric tier's network, one orderer: peers, the
// orderer and a chaincode server killed or frozen while readings flow.

describe('fault suite on the Fabric test network: nodes killed, frozen and stopped while readings flow', () => {
  let net: TestNetwork;
  let suite: FaultSuite;

  beforeAll(async () => {
    net = testNetwork();
    suite = await openFaultSuite(net, 'fabric-faults');
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('a peer SIGKILLed three times during 10,000 readings (the gateway’s own peer twice, the other endorser once)', async () => {
    const peers = ['peer0-producer', 'peer0-carrier', 'peer0-producer'];
    let kill = 0;
    await suite.runCase('peer-sigkill x3', 10_000, [2000, 4500, 7000], (n, at) => {
      const node = peers[kill++] as string;
      at(`kill ${node}`);
      return killFor(n, [node], 2000);
    });
  }, 600_000);

  it('every orderer SIGKILLed and left down for 10 s', async () => {
    const orderers = readdirSync(join(net.dir, 'run'))
      .filter((file) => /^orderer\d+\.pid$/.test(file))
      .map((file) => file.replace(/\.pid$/, ''));
    expect(orderers.length).toBeGreaterThan(0);
    await suite.runCase('orderers-down-10s', 3000, [1000], (n) => killFor(n, orderers, 10_000));
  }, 400_000);

  it('one member’s chaincode server killed: endorsement fails until `up` starts it again', async () => {
    await suite.runCase('chaincode-server-killed', 3000, [1000], (n) =>
      killFor(n, ['chaincode-carrier'], 10_000),
    );
  }, 400_000);

  it('a peer frozen with SIGSTOP for 10 s', async () => {
    await suite.runCase('peer-sigstop-10s', 3000, [1000], (n) => freeze(n, 'peer0-carrier', 10_000));
  }, 400_000);
});
