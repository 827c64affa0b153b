import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { networkScript, testNetwork } from '../../test/support/fabric-network.harness';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { IngestService } from '../src/ingest/ingest.service';
import { startGatewayApp, testGatewayConfig } from './ingest.harness';
import { runVerification } from '../src/verify/run-verification';
import { loadVerifyConfig } from '../src/verify/verify-config';
import { newLedgerUnderTest, runId } from './ledger-under-test';

interface Custody {
  action: string;
  byOrg: string;
  by: string;
  txId: string;
}

// Issue 16, item 1, through the REST API on the real network: each API key maps to one person enrolled with the
// organisation's Fabric CA, and the gateway signs that key's transactions with the person's own key. Two people
// of one organisation appear on the ledger as two actors; a revoked person is refused.
describe('staff as persons: API keys signed with their own Fabric CA identity (Fabric test network)', () => {
  const net = testNetwork();
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const anna = runId('anna').toLowerCase();
  const ben = runId('ben').toLowerCase();
  const carrierDesk = runId('carla').toLowerCase();
  let key: { anna: string; ben: string; carla: string };

  beforeAll(async () => {
    const enroll = (org: string, name: string) =>
      networkScript(
        net.dir,
        net.basePort,
        'person',
        'enroll',
        '--org',
        org,
        '--name',
        name,
        '--role',
        'operator',
      );
    enroll('producer', anna);
    enroll('producer', ben);
    enroll('carrier', carrierDesk);
    dir = await mkdtemp(join(tmpdir(), 'provena-persons-'));
    broker = await startTestBroker({ persistence: false });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-persons' }),
      ledger,
    );
    await app.get(IngestService).session.whenConnected();
    const keys = app.get(ApiKeyStore);
    const keyFor = async (org: string, person: string) =>
      (await keys.create({ role: 'operator', org, person, label: `${person}'s desk` })).key;
    key = {
      anna: await keyFor('ProducerMSP', anna),
      ben: await keyFor('ProducerMSP', ben),
      carla: await keyFor('CarrierMSP', carrierDesk),
    };
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  const server = () => request(app.getHttpServer());
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });

  it('records who at each organisation created, offered and accepted custody', async () => {
    const shipmentId = runId('PERSONS');
    await server()
      .post('/shipments')
      .set(auth(key.anna))
      .send({ shipmentId, productCode: 'SALMON', quantity: 4, origin: 'Bergen', destination: 'Lyon' })
      .expect(201);
    await server()
      .post(`/shipments/${shipmentId}/custody/offer`)
      .set(auth(key.ben))
      .send({ toOrg: 'CarrierMSP' })
      .expect(200);
    await server().post(`/shipments/${shipmentId}/custody/accept`).set(auth(key.carla)).send({}).expect(200);

    const shipment = (await server().get(`/shipments/${shipmentId}`).set(auth(key.ben)).expect(200)).body as {
      custody: Custody[];
    };
    expect(shipment.custody.map((c) => [c.action, c.byOrg, personOf(c.by)])).toEqual([
      ['created', 'ProducerMSP', anna],
      ['offered', 'ProducerMSP', ben],
      ['accepted', 'CarrierMSP', carrierDesk],
    ]);
  });

  it('refuses a revoked person with 403 and loses nothing of what they did before', async () => {
    const before = runId('BEFORE-REVOKE');
    await server()
      .post('/shipments')
      .set(auth(key.anna))
      .send({ shipmentId: before, productCode: 'SALMON', quantity: 1, origin: 'Bergen', destination: 'Lyon' })
      .expect(201);
    networkScript(net.dir, net.basePort, 'person', 'revoke', '--org', 'producer', '--name', anna);

    const refused = await server()
      .post('/shipments')
      .set(auth(key.anna))
      .send({
        shipmentId: runId('AFTER'),
        productCode: 'SALMON',
        quantity: 1,
        origin: 'Bergen',
        destination: 'Lyon',
      })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.body.message).toMatch(new RegExp(`${anna} of ProducerMSP was revoked`));
    const kept = (await server().get(`/shipments/${before}`).set(auth(key.ben)).expect(200)).body as {
      custody: Custody[];
    };
    expect(personOf(kept.custody[0]!.by)).toBe(anna);
    // After the revocation, ben hands anna's shipment on: its history now spans the configuration block that
    // carries the CRL. The auditor's verifier judges that update (signed by ProducerMSP's admin, as the MSP's
    // mod_policy asks) and each transaction by the configuration then in force: anna's creation stays valid.
    await server()
      .post(`/shipments/${before}/custody/offer`)
      .set(auth(key.ben))
      .send({ toOrg: 'CarrierMSP' })
      .expect(200);
    const report = await runVerification(
      loadVerifyConfig({ PROVENA_FABRIC_CONNECTION: net.connectionFile }),
      {
        kind: 'shipment',
        shipmentId: before,
      },
    );
    expect(report.failures).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.checks.CONFIG_UPDATE_UNVERIFIED).toEqual({ ran: expect.any(Number), failed: 0 });
    expect(report.checks.CONFIG_UPDATE_UNVERIFIED.ran).toBeGreaterThanOrEqual(1);
    await server()
      .post('/shipments')
      .set(auth(key.ben))
      .send({
        shipmentId: runId('BEN-AFTER'),
        productCode: 'SALMON',
        quantity: 1,
        origin: 'Bergen',
        destination: 'Lyon',
      })
      .expect(201);
  }, 120_000);
});

/** The enrolment id in Fabric's client id (`x509::CN=anna,OU=client,...::CN=ca...`). */
function personOf(clientId: string): string | undefined {
  const subject = clientId.split('::')[1] ?? '';
  return /(?:^|[,/])CN=([^,/]+)/.exec(subject)?.[1];
}
