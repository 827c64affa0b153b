import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
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
import { AppModule } from '../src/app.module';
import { InMemoryLedgerAdapter } from '../src/testing/in-memory-ledger.adapter';
import { testGatewayConfig } from './ingest.harness';

jest.setTimeout(240_000);

// The demand scenario's order history goes onto the ledger through the REST API, the forecasting service replays
// it from chaincode events, publishes forecasts and anchors each on the ledger; auditors read them through the
// API and the anchors match. The ledger is the in-memory double running the real chaincode (no Fabric network
// can be built on this project's machines), so this is not the end-to-end test against Fabric that issue 6 asks.
describe('demand history on the ledger → anchored forecasts → auditors check them (in-memory ledger double)', () => {
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = new InMemoryLedgerAdapter();
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
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config, ledger)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await broker?.cleanup();
  });

  it('publishes one anchored forecast per product and location, whose values hash to the anchor on the ledger', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = join(dir, 'demand-120d.json');
    const full = JSON.parse(
      readFileSync(resolve(__dirname, '../../iot-simulator/scenarios/demand-history.json'), 'utf8'),
    );
    writeFileSync(scenarioFile, JSON.stringify({ ...full, duration: '120d' }));
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
      const series = service.history?.toSeries() ?? [];
      return (
        series.length === seriesIds.length &&
        series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0) === totalQuantity
      );
    });
    expect(service.history!.toSeries().map((s) => s.id)).toEqual(seriesIds);

    const { demand: outcome } = await service.publish();
    expect(outcome.skipped).toEqual([]);
    expect(outcome.published.map((f) => f.values.seriesId).sort()).toEqual(seriesIds);

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'forecast audit' })).key;
    const api = request(app.getHttpServer());
    const list = await api.get('/forecasts').set('authorization', `Bearer ${auditor}`).expect(200);
    expect((list.body as { seriesId: string }[]).map((f) => f.seriesId)).toEqual(seriesIds);

    for (const summary of list.body as { runId: string }[]) {
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
    const victim = (list.body as { runId: string }[])[0]!.runId;
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
    expect(again.published.map((f) => f.runId).sort()).toEqual(outcome.published.map((f) => f.runId).sort());

    const runs = await api
      .get(`/forecasts/series/${encodeURIComponent(seriesIds[0]!)}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect((runs.body as { runId: string }[]).map((r) => r.runId)).toEqual([
      outcome.published.find((f) => f.values.seriesId === seriesIds[0])!.runId,
    ]);
    await api.get('/forecasts/series/%20bad').set('authorization', `Bearer ${auditor}`).expect(400);
    await api.get('/forecasts').expect(401);
    await api.get('/forecasts/fc-0000').set('authorization', `Bearer ${auditor}`).expect(404);
  });

  it('flags machines from their telemetry on the ledger, with a model trained on the fleet’s own failures', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = join(dir, 'equipment-40d.json');
    const full = JSON.parse(
      readFileSync(resolve(__dirname, '../../iot-simulator/scenarios/equipment-fleet.json'), 'utf8'),
    );
    writeFileSync(scenarioFile, JSON.stringify({ ...full, duration: '40d' }));
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
    const code = await runCli(
      ['publish', scenarioFile, '--broker', broker.url, '--unpaced', '--state', join(dir, 'fleet')],
      { stdout: new PassThrough(), stderr: new PassThrough() },
    );
    expect(code).toBe(0);

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
