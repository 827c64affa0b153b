import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import mqtt from 'mqtt';
import request from 'supertest';
import { Topics } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { IngestService } from '../src/ingest/ingest.service';
import { TestDevice } from '../src/testing/test-devices';
import { testGatewayConfig, until, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

describe(`the gateway app on a real Mosquitto (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: true });
    app = await startGatewayApp(
      testGatewayConfig({
        brokerUrl: broker.url,
        dir: mkdtempSync(join(tmpdir(), 'provena-app-')),
        clientId: 'gateway-app-test',
      }),
      ledger,
    );
    app.enableShutdownHooks();
    await app.get(IngestService).session.whenConnected();
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  it('answers /health without a key, and /ready once broker and ledger answer', async () => {
    await request(app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
    await request(app.getHttpServer()).get('/ready').expect(200, { ready: true, broker: true, ledger: true });
  });

  it('ingests readings published to the broker and counts them in /metrics', async () => {
    const device = new TestDevice(runId('dev-app'));
    await device.register(ledger);
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await Promise.all(
      Array.from({ length: 250 }, () =>
        client.publishAsync(Topics.readings(device.deviceId), device.reading().payload, { qos: 1 }),
      ),
    );
    await client.publishAsync(Topics.readings(device.deviceId), Buffer.from('not json'), { qos: 1 });
    await client.endAsync();
    const metric = async (line: RegExp): Promise<number> => {
      const text = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
      return Number(line.exec(text)?.[1] ?? 0);
    };
    await until(
      async () => (await metric(/^provena_readings_recorded_total\{outcome="accepted"\} (\d+)$/m)) === 250,
    );
    expect(await metric(/^provena_readings_received_total (\d+)$/m)).toBe(251);
    expect(
      await metric(/^provena_readings_refused_total\{code="MALFORMED_JSON",stage="edge"\} (\d+)$/m),
    ).toBe(1);
    expect(await metric(/^provena_ingest_in_flight (\d+)$/m)).toBe(0);
  });

  it('says it is not ready while the broker is down, and ready again once it is back', async () => {
    await broker.stop('SIGKILL');
    await until(() => !app.get(IngestService).session.connected);
    await request(app.getHttpServer())
      .get('/ready')
      .expect(503, { ready: false, broker: false, ledger: true });
    await broker.start();
    await app.get(IngestService).session.whenConnected();
    await request(app.getHttpServer()).get('/ready').expect(200);
  });

  it('shows dead letters to admins only, and refuses a redrive request it cannot read', async () => {
    const store = app.get(ApiKeyStore);
    const admin = (await store.create({ role: 'admin', org: 'ProducerMSP', label: 'dead letters' })).key;
    const operator = (await store.create({ role: 'operator', org: 'ProducerMSP', label: 'dead letters' }))
      .key;
    const server = app.getHttpServer();
    await request(server).get('/admin/dead-letters').set('authorization', `Bearer ${operator}`).expect(403);
    const page = await request(server)
      .get('/admin/dead-letters')
      .set('authorization', `Bearer ${admin}`)
      .expect(200);
    expect(page.body).toEqual({ items: [], bookmark: '' });
    const bad = await request(server)
      .post('/admin/dead-letters/redrive')
      .set('authorization', `Bearer ${admin}`)
      .send({ ids: ['not-an-id'] })
      .expect(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const redriven = await request(server)
      .post('/admin/dead-letters/redrive')
      .set('authorization', `Bearer ${admin}`)
      .send({ limit: 10 })
      .expect(200);
    expect(redriven.body).toEqual({ outcomes: [], remaining: 0 });
  });

  it('refuses API routes without a key', async () => {
    const res = await request(app.getHttpServer()).get('/devices').expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('streams ledger events to a dashboard with an API key (Server-Sent Events)', async () => {
    const { key } = await app
      .get(ApiKeyStore)
      .create({ role: 'auditor', org: 'AuditorMSP', label: 'dashboard' });
    const { port } = app.getHttpServer().address() as AddressInfo;
    const received: string[] = [];
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
      get(
        {
          port,
          host: '127.0.0.1',
          path: '/events?types=ledger',
          headers: { authorization: `Bearer ${key}` },
        },
        resolve,
      ).on('error', reject),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    response.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8')));
    const device = new TestDevice(runId('dev-sse'));
    await device.register(ledger);
    await until(() => received.join('').includes(`"deviceId":"${device.deviceId}"`));
    expect(received.join('')).toMatch(/event: ledger\nid: \d+:[0-9a-f]+\ndata: \{"event":"DeviceRegistered"/);
    response.destroy();
  });
});
