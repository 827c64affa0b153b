import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  GatewayClient,
  loadDeviceIds,
  loadScenario,
  planScenario,
  openFileKeyStore,
  provisionScenarioOnGateway,
  runCli,
} from '@provena/iot-simulator';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { testGatewayConfig, until, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';
import { scenarioForRun } from './scenario-for-run';

const SCENARIOS = resolve(__dirname, '../../iot-simulator/scenarios');

// The simulator's demo through the gateway, as a user runs it: provisioning through the REST API, devices
// publishing over a real Mosquitto, ingest into the ledger. The ledger is the Fabric test network in the Fabric
// tier, else the in-memory double running the real chaincode (ledger-under-test.ts). Scenario ids carry this
// run's suffix (scenario-for-run.ts): the Fabric tier's ledger outlives the file.
describe(`simulator demo → Mosquitto → gateway (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const dir = mkdtempSync(join(tmpdir(), 'provena-demo-'));
  const DEMO = scenarioForRun(join(SCENARIOS, 'demo.json'), dir);

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: true });
    app = await startGatewayApp(
      testGatewayConfig({
        brokerUrl: broker.url,
        dir,
        clientId: 'gateway-demo-test',
        org: 'ProducerMSP',
        rateLimitPerMinute: 6000,
      }),
      ledger,
    );
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  it('records every reading the devices had acknowledged, and the excursion as a breach auditors can see', async () => {
    const keys = app.get(ApiKeyStore);
    const key = async (role: 'admin' | 'operator' | 'auditor', org: string) =>
      (await keys.create({ role, org, label: `${role} ${org}` })).key;
    const scenario = await loadScenario(DEMO);
    const apiKeys: Record<string, { admin: string; operator: string }> = {};
    for (const org of scenario.organisations) {
      apiKeys[org.id] = { admin: await key('admin', org.id), operator: await key('operator', org.id) };
    }
    const { port } = app.getHttpServer().address() as { port: number };
    const client = new GatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKeys });
    const deviceKeys = await openFileKeyStore({ directory: join(dir, 'state', 'keys') });
    await provisionScenarioOnGateway(scenario, (id) => deviceKeys.ensureKey(id), client);
    // A second run, through the CLI, changes nothing and fails nothing.
    const keysFile = join(dir, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify(apiKeys));
    expect(
      await runCli(
        [
          'provision',
          DEMO,
          '--gateway',
          `http://127.0.0.1:${port}`,
          '--api-keys',
          keysFile,
          '--state',
          join(dir, 'state'),
        ],
        { stdout: new PassThrough(), stderr: new PassThrough() },
      ),
    ).toBe(0);

    const stdout = new PassThrough();
    const output: string[] = [];
    stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const code = await runCli(
      ['publish', DEMO, '--broker', broker.url, '--unpaced', '--state', join(dir, 'state'), '--json'],
      { stdout, stderr: new PassThrough() },
    );
    expect(code).toBe(0);
    const summary = JSON.parse(output.join('')) as { total: number; sent: number };
    expect(summary.total).toBeGreaterThan(0);
    expect(summary.sent).toBe(summary.total);

    const auditor = await key('auditor', 'AuditorMSP');
    const api = request(app.getHttpServer());
    const recorded = async (): Promise<number> => {
      let count = 0;
      for (const device of scenario.devices) {
        const page = await api
          .get(`/devices/${device.id}/readings?pageSize=200`)
          .set('authorization', `Bearer ${auditor}`)
          .expect(200);
        count += (page.body as { items: unknown[] }).items.length;
      }
      return count;
    };
    await until(async () => (await recorded()) === summary.total);

    const shipment = scenario.shipments[0]?.id as string;
    const provenance = await api
      .get(`/shipments/${shipment}/provenance`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect(JSON.stringify(provenance.body)).toContain('temperatureC');
    expect((provenance.body as { breaches: unknown[] }).breaches.length).toBeGreaterThan(0);
    // The scenario's organisation ids are the network's MSP ids, so the ledger names the producer's MSP, as a
    // Fabric identity of ProducerMSP writes it on the native network.
    const record = await api
      .get(`/shipments/${shipment}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect(record.body).toMatchObject({ ownerOrg: 'ProducerMSP', custodianOrg: 'ProducerMSP' });
  });

  it("measures publish → commit from the gateway's event stream in load mode, every acknowledged reading seen committed", async () => {
    const state = join(dir, 'load-state');
    const deviceKeys = await openFileKeyStore({ directory: join(state, 'keys') });
    const prefix = `${runId('lc')}-`;
    for (const deviceId of loadDeviceIds(20, prefix)) {
      const publicKeyPem = await deviceKeys.ensureKey(deviceId);
      await ledger.submit({ org: 'ProducerMSP', role: 'admin' }, 'device:RegisterDevice', [
        JSON.stringify({ deviceId, publicKeyPem, ownerOrg: 'ProducerMSP', kind: 'load-device' }),
      ]);
    }
    const { key } = await app.get(ApiKeyStore).create({ role: 'auditor', org: 'AuditorMSP', label: 'load' });
    const { port } = app.getHttpServer().address() as { port: number };
    const stdout = new PassThrough();
    const output: string[] = [];
    stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const code = await runCli(
      [
        'load',
        '--broker',
        broker.url,
        '--devices',
        '20',
        '--device-prefix',
        prefix,
        '--rate',
        '500',
        '--duration',
        '3s',
        '--state',
        state,
        '--gateway',
        `http://127.0.0.1:${port}`,
        '--api-key',
        key,
        '--json',
      ],
      { stdout, stderr: new PassThrough() },
    );
    const result = JSON.parse(output.join('')) as {
      sent: number;
      acknowledged: number;
      complete: boolean;
      commit: { committed: number; notCommitted: number; latencyMs: { p50: number; p99: number } };
    };
    expect(code).toBe(0);
    expect(result.sent).toBe(1500);
    expect(result.commit.committed).toBe(result.acknowledged);
    expect(result.commit.notCommitted).toBe(0);
    expect(result.commit.latencyMs.p50).toBeGreaterThan(0);
    expect(result.complete).toBe(true);
  });

  it('turns a demand scenario into dated shipments on the ledger through the API, and a rerun into none', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = scenarioForRun(join(SCENARIOS, 'demand-history.json'), dir, { duration: '14d' });
    const plans = planScenario(await loadScenario(scenarioFile)).shipmentPlans;
    const orgs = [...new Set(plans.map((p) => p.originOrg))];
    const apiKeys: Record<string, { operator: string }> = {};
    for (const org of orgs)
      apiKeys[org] = { operator: (await keys.create({ role: 'operator', org, label: 'demand' })).key };
    const keysFile = join(dir, 'demand-keys.json');
    writeFileSync(keysFile, JSON.stringify(apiKeys));
    const { port } = app.getHttpServer().address() as { port: number };
    const run = async (): Promise<string> => {
      const stdout = new PassThrough();
      const out: string[] = [];
      stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
      const code = await runCli(
        ['demand', scenarioFile, '--gateway', `http://127.0.0.1:${port}`, '--api-keys', keysFile],
        {
          stdout,
          stderr: new PassThrough(),
        },
      );
      expect(code).toBe(0);
      return out.join('');
    };
    expect(await run()).toContain(`demand: ${plans.length} shipments created, 0 existed already`);
    expect(await run()).toContain(`demand: 0 shipments created, ${plans.length} existed already`);

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'demand check' })).key;
    const sample = plans[plans.length - 1] as (typeof plans)[number];
    const shipment = await request(app.getHttpServer())
      .get(`/shipments/${sample.shipmentId}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect(shipment.body).toMatchObject({
      productCode: sample.productId,
      quantity: sample.quantity,
      destination: sample.location,
      orderedAt: sample.createAtMs,
    });
  });
});
