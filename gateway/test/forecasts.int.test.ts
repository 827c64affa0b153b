import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ForecastingService, type PublishedForecast } from '@provena/forecasting';
import {
  GatewayClient,
  loadScenario,
  openFileKeyStore,
  planScenario,
  provisionScenarioOnGateway,
  runCli,
} from '@provena/iot-simulator';
import { forecastValuesHash } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { ApiKeyStore } from '../src/api/auth/api-key.store';
import { testGatewayConfig, until, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, ON_FABRIC, RUN } from './ledger-under-test';
import { scenarioForRun } from './scenario-for-run';

/**
 * Bound on the gateway recording the fleet's 23,040 readings once published. Measured on Fabric (2 cores, other
 * work running): 49 s, about 470 readings a second; on the double, a few seconds.
 */
const FLEET_INGEST_MS = ON_FABRIC ? 180_000 : 60_000;

// On Fabric: 1,079 shipments created through the API (about 70 s) and the fleet's ingest above.
jest.setTimeout(ON_FABRIC ? 420_000 : 240_000);

const SCENARIOS = resolve(__dirname, '../../iot-simulator/scenarios');

/**
 * Whether a demand series is this file's. The Fabric tier's ledger (one network per tier run) also holds other
 * files' shipments, which the forecasting service rightly forecasts too; this file's carry its run id
 * (scenario-for-run.ts). On the double nothing else is on the ledger and nothing is left out.
 */
const ours = (seriesId: string): boolean => !ON_FABRIC || seriesId.includes(RUN);

// The demand scenario's order history goes onto the ledger through the REST API, the forecasting service replays
// it from chaincode events, publishes forecasts and anchors each on the ledger; auditors read them through the
// API and the anchors match. In the Fabric tier this is the end-to-end test against Fabric that issue 6 asks;
// otherwise the ledger is the in-memory double running the real chaincode (ledger-under-test.ts).
describe(`demand history on the ledger → anchored forecasts → auditors check them (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const dir = mkdtempSync(join(tmpdir(), 'provena-forecasts-'));
  const forecastDir = join(dir, 'forecasts');

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
    const config = {
      ...testGatewayConfig({
        brokerUrl: broker.url,
        dir,
        clientId: 'gateway-forecast-test',
        rateLimitPerMinute: 60_000,
      }),
      forecasting: {
        directory: forecastDir,
        // Far from now: the test publishes by hand, as an operator would after an import.
        retrainCron: '0 0 0 1 1 *',
        updateCron: '0 0 0 1 1 *',
        horizonDays: 14,
        minHistoryDays: 56,
        actor: { org: 'ProducerMSP', role: 'operator' as const },
        maintenanceThresholdHours: 24,
        maintenanceMinFailures: 3,
      },
    };
    app = await startGatewayApp(config, ledger);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  it('publishes one anchored forecast per product and location, whose values hash to the anchor on the ledger', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = scenarioForRun(join(SCENARIOS, 'demand-history.json'), dir, { duration: '120d' });
    const plans = planScenario(await loadScenario(scenarioFile)).shipmentPlans;
    const apiKeys: Record<string, { operator: string }> = {};
    for (const org of new Set(plans.map((p) => p.originOrg))) {
      apiKeys[org] = { operator: (await keys.create({ role: 'operator', org, label: 'demand' })).key };
    }
    writeFileSync(join(dir, 'demand-keys.json'), JSON.stringify(apiKeys));
    const { port } = app.getHttpServer().address() as { port: number };
    const code = await runCli(
      [
        'demand',
        scenarioFile,
        '--gateway',
        `http://127.0.0.1:${port}`,
        '--api-keys',
        join(dir, 'demand-keys.json'),
      ],
      { stdout: new PassThrough(), stderr: new PassThrough() },
    );
    expect(code).toBe(0);

    const service = app.get(ForecastingService);
    const seriesIds = [...new Set(plans.map((p) => `demand:${p.productId}@${p.location}`))].sort();
    const totalQuantity = plans.reduce((sum, p) => sum + p.quantity, 0);
    await service.historyUpTo(() => {
      const series = (service.history?.toSeries() ?? []).filter((s) => ours(s.id));
      return (
        series.length === seriesIds.length &&
        series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0) === totalQuantity
      );
    }, LEDGER_PATIENCE_MS);
    expect(
      service
        .history!.toSeries()
        .map((s) => s.id)
        .filter(ours),
    ).toEqual(seriesIds);

    const { demand: outcome } = await service.publish();
    expect(outcome.skipped.filter((s) => ours(s.seriesId))).toEqual([]);
    expect(
      outcome.published
        .map((f) => f.values.seriesId)
        .filter(ours)
        .sort(),
    ).toEqual(seriesIds);
    const published = outcome.published.filter((f) => ours(f.values.seriesId));

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'forecast audit' })).key;
    const api = request(app.getHttpServer());
    const list = await api.get('/forecasts').set('authorization', `Bearer ${auditor}`).expect(200);
    const listed = (list.body as { seriesId: string; runId: string }[]).filter((f) => ours(f.seriesId));
    expect(listed.map((f) => f.seriesId)).toEqual(seriesIds);

    for (const summary of listed) {
      const res = await api
        .get(`/forecasts/${summary.runId}`)
        .set('authorization', `Bearer ${auditor}`)
        .expect(200);
      const forecast = res.body as PublishedForecast & {
        verification: { matchesLedger: boolean; ledgerValuesHash: string; recomputedValuesHash: string };
      };
      expect(forecast.verification.matchesLedger).toBe(true);
      expect(forecast.verification.ledgerValuesHash).toBe(forecastValuesHash(forecast.values));
      expect(forecast.values.point).toHaveLength(14);
      for (let h = 0; h < 14; h++) {
        expect(forecast.values.lower[h]).toBeLessThanOrEqual(forecast.values.point[h]!);
        expect(forecast.values.upper[h]).toBeGreaterThanOrEqual(forecast.values.point[h]!);
        expect(Number.isFinite(forecast.values.point[h])).toBe(true);
      }
      expect(forecast.modelCard.validation.metric).toBe('MASE');
      expect(Object.keys(forecast.modelCard.validation.scores)).toEqual(
        expect.arrayContaining(['seasonal-naive', 'holt-winters', 'theta', 'neural-lag']),
      );
      // The training data's last day is the day before the forecast's first.
      expect(forecast.modelCard.training.to < forecast.values.origin).toBe(true);
    }

    // A forecast altered after publication no longer matches its anchor, and the API says so.
    const victim = listed[0]!.runId;
    const file = join(forecastDir, 'runs', `${victim}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as PublishedForecast;
    stored.values.point[0] = stored.values.point[0]! + 1;
    writeFileSync(file, JSON.stringify(stored));
    const tampered = await api
      .get(`/forecasts/${victim}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect(tampered.body.verification.matchesLedger).toBe(false);

    // Publishing again on the same history gives the same runs (seeded training) and anchors nothing twice.
    const { demand: again } = await service.publish();
    expect(
      again.published
        .filter((f) => ours(f.values.seriesId))
        .map((f) => f.runId)
        .sort(),
    ).toEqual(published.map((f) => f.runId).sort());

    const runs = await api
      .get(`/forecasts/series/${encodeURIComponent(seriesIds[0]!)}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect((runs.body as { runId: string }[]).map((r) => r.runId)).toEqual([
      published.find((f) => f.values.seriesId === seriesIds[0])!.runId,
    ]);
    await api.get('/forecasts/series/%20bad').set('authorization', `Bearer ${auditor}`).expect(400);
    await api.get('/forecasts').expect(401);
    await api.get('/forecasts/fc-0000').set('authorization', `Bearer ${auditor}`).expect(404);
  });

  it('flags machines from their telemetry on the ledger, with a model trained on the fleet’s own failures', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = scenarioForRun(join(SCENARIOS, 'equipment-fleet.json'), dir, { duration: '40d' });
    const scenario = await loadScenario(scenarioFile);
    const plan = planScenario(scenario);
    const apiKeys: Record<string, { admin: string; operator: string }> = {};
    for (const org of scenario.organisations) {
      apiKeys[org.id] = {
        admin: (await keys.create({ role: 'admin', org: org.id, label: 'fleet' })).key,
        operator: (await keys.create({ role: 'operator', org: org.id, label: 'fleet' })).key,
      };
    }
    const { port } = app.getHttpServer().address() as { port: number };
    const deviceKeys = await openFileKeyStore({ directory: join(dir, 'fleet', 'keys') });
    await provisionScenarioOnGateway(
      scenario,
      (id) => deviceKeys.ensureKey(id),
      new GatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKeys }),
    );
    const stdout = new PassThrough();
    const output: string[] = [];
    stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const code = await runCli(
      ['publish', scenarioFile, '--broker', broker.url, '--unpaced', '--state', join(dir, 'fleet'), '--json'],
      { stdout, stderr: new PassThrough() },
    );
    expect(code).toBe(0);
    const published = JSON.parse(output.join('')) as { total: number; sent: number };
    expect(published.sent).toBe(published.total);

    // Acknowledged by the broker is not yet on the ledger: the machines' failures are learnt from what is, so wait
    // until the gateway has recorded every reading (thousands of them take a while to commit on Fabric).
    const recordedTotal = async (): Promise<number> => {
      const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
      return Number(/^provena_readings_recorded_total\{outcome="accepted"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    };
    const ingestStarted = Date.now();
    await until(async () => (await recordedTotal()) === published.sent, FLEET_INGEST_MS);
    console.log(
      `fleet: ${published.sent} readings recorded ${Date.now() - ingestStarted} ms after the publish`,
    );
    const service = app.get(ForecastingService);
    const machines = new Set(plan.devices.map((d) => d.device.id));
    // Every reading is on the ledger once the gateway has recorded it; the listener then knows every machine.
    await service.historyUpTo(
      () => [...machines].every((id) => service.telemetry?.toJSON().devices[id] !== undefined),
      120_000,
    );
    const readingsOnLedger = async (): Promise<number> => {
      let total = 0;
      for (const id of machines) {
        const page = await ledger.evaluate<{ items: unknown[]; bookmark: string }>(
          { org: 'AuditorMSP', role: 'auditor' },
          'reading:GetReadingsByDevice',
          [id, '0', String(Number.MAX_SAFE_INTEGER), '200', ''],
        );
        total += page.items.length > 0 ? 1 : 0;
      }
      return total;
    };
    expect(await readingsOnLedger()).toBe(machines.size);
    const truthFailures = plan.equipmentEvents.filter((e) => e.kind === 'failure').length;

    const { maintenance } = await service.publish();
    expect(maintenance.skipped).toBeNull();
    expect(maintenance.published.length).toBeGreaterThan(0);
    expect(Number(maintenance.published[0]!.anchor.metrics.failures)).toBeGreaterThanOrEqual(
      Math.min(3, truthFailures),
    );

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'fleet audit' })).key;
    const api = request(app.getHttpServer());
    const flags = await api.get('/maintenance-flags').set('authorization', `Bearer ${auditor}`).expect(200);
    const list = flags.body as {
      deviceId: string;
      flag: boolean;
      predictedHoursLeft: number;
      runId: string;
    }[];
    expect(list.map((f) => f.deviceId).sort()).toEqual(
      maintenance.published.map((f) => f.maintenance!.unitId).sort(),
    );
    for (const flag of list) {
      expect(Number.isFinite(flag.predictedHoursLeft)).toBe(true);
      expect(flag.flag).toBe(flag.predictedHoursLeft <= 24);
      const run = await api
        .get(`/forecasts/${flag.runId}`)
        .set('authorization', `Bearer ${auditor}`)
        .expect(200);
      expect(run.body.verification.matchesLedger).toBe(true);
      expect(run.body.anchor.purpose).toBe('maintenance');
      expect(run.body.modelCard.validation.metric).toBe('RMSE');
    }
  });
});
