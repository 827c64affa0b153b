import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { loadScenario, planScenario, runCli } from '@provena/iot-simulator';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';
import { scenarioForRun } from './scenario-for-run';

// `npm start`'s demo step, run in process (`runCli`, not a child process) against the gateway with a real
// Mosquitto: provisioning through the REST API, readings over MQTT followed to the ledger on the gateway's event
// stream, the custody hand-over, provenance read back as the auditor. The ledger is the Fabric test network in the
// Fabric tier, else the in-memory double running the real chaincode; scenario ids carry this run's suffix.
describe(`simulator demo command → Mosquitto → gateway (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const dir = mkdtempSync(join(tmpdir(), 'provena-demo-command-'));
  const DEMO = scenarioForRun(resolve(__dirname, '../../iot-simulator/scenarios/demo.json'), dir);
  const LOGGER = runId('logger-demo-1');

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: true });
    app = await startGatewayApp(
      testGatewayConfig({
        brokerUrl: broker.url,
        dir,
        clientId: 'gateway-demo-command-test',
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

  async function demo(keysFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const { port } = app.getHttpServer().address() as { port: number };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: string[] = [];
    const err: string[] = [];
    stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
    stderr.on('data', (c: Buffer) => err.push(c.toString('utf8')));
    const code = await runCli(
      [
        'demo',
        DEMO,
        '--gateway',
        `http://127.0.0.1:${port}`,
        '--broker',
        broker.url,
        '--api-keys',
        keysFile,
        '--state',
        join(dir, 'state'),
        '--commit-wait',
        '30s',
      ],
      { stdout, stderr },
    );
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  it('reports every reading committed and prints the provenance with the breach; a rerun publishes nothing', async () => {
    const keys = app.get(ApiKeyStore);
    const key = async (role: 'admin' | 'operator' | 'auditor', org: string) =>
      (await keys.create({ role, org, label: `${role} ${org}` })).key;
    const apiKeys: Record<string, Record<string, string>> = {
      AuditorMSP: { auditor: await key('auditor', 'AuditorMSP') },
    };
    const scenario = await loadScenario(DEMO);
    for (const org of scenario.organisations) {
      apiKeys[org.id] = { admin: await key('admin', org.id), operator: await key('operator', org.id) };
    }
    const keysFile = join(dir, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify(apiKeys));
    const total = planScenario(scenario).totalReadings;
    const shipment = scenario.shipments[0]?.id as string;

    const first = await demo(keysFile);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('[1/4] provisioned');
    expect(first.stdout).toContain(
      `published ${total}/${total}, acknowledged ${total}, committed ${total}/${total}, refused 0`,
    );
    // Committed as the ingest events say, or, when the event stream missed some (it reconnects under load, and a
    // reading redelivered after the gateway's MQTT session dropped commits as a duplicate), as the ledger says when
    // the demo looks the outstanding ones up: both are every reading on the ledger, checked.
    expect(first.stdout).toMatch(
      new RegExp(
        `done: ${total} of ${total} readings on the ledger \\(${total} published now(?: in \\d+ transactions?|, \\d+ of them found by looking them up)`,
      ),
    );
    expect(first.stdout).toContain(`Shipment ${shipment}: `);
    expect(first.stdout).toContain('    1. created   → ProducerMSP, by ProducerMSP');
    // The hand-over: refused while the excursion's breaches are open, accepted once the sender decided on them.
    expect(first.stdout).toContain('CarrierMSP cannot accept yet: 409 OPEN_BREACH');
    expect(first.stdout).toMatch(/ProducerMSP records "quarantine" for [1-9]\d* breach\(es\)/);
    expect(first.stdout).toMatch(/CarrierMSP accepts custody \(block \d+, transaction [0-9a-f]{64}\)/);
    expect(first.stdout).toMatch(/Compliance breaches \([1-9]\d*, 0 open\)/);
    expect(first.stdout).toMatch(
      new RegExp(
        `temperatureC\\.max \\(limit 8\\) observed [\\d.]+ to [\\d.]+: ${LOGGER} seq \\d+–\\d+ \\(\\d+ readings\\), measured [^;]+; quarantine by ProducerMSP`,
      ),
    );
    expect(first.stdout).toMatch(/recorded in block \d+, transaction [0-9a-f]{64}:/);
    // The demo's shipment carries private commercial terms; the auditor checks the carrier's disclosed copy.
    expect(first.stdout).toMatch(
      /commercial terms: private to the trading organisations; the auditor sees SHA-256 [0-9a-f]{16}… and the copy CarrierMSP disclosed matches it/,
    );
    expect(first.stdout).not.toContain('City Pharmacy Lyon');
    expect(first.stdout).toContain(`demo done: ${total} readings of ${scenario.name} on the ledger`);

    // A second `npm start`: nothing new is created, published or recorded.
    const second = await demo(keysFile);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`all ${total} readings are on the ledger already`);
    expect(second.stdout).not.toContain('published ');
    expect(second.stdout).toContain('ProducerMSP → CarrierMSP: already on the ledger');
    const count = (text: string): string | undefined =>
      /Readings recorded \(([\d,]+) readings/.exec(text)?.[1];
    expect(count(second.stdout)).toBe(count(first.stdout));
  });
});
