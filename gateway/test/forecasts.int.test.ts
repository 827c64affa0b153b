import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ForecastingService, type PublishedForecast } from '@provena/forecasting';
import { loadScenario, planScenario, runCli } from '@provena/iot-simulator';
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
        actor: { org: 'DistributorOrg', role: 'operator' as const },
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

    const outcome = await service.publish();
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
      expect(Object.keys(forecast.modelCard.validationMase)).toEqual(
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
    const again = await service.publish();
    expect(again.published.map((f) => f.runId).sort()).toEqual(outcome.published.map((f) => f.runId).sort());

    await api.get('/forecasts').expect(401);
    await api.get('/forecasts/fc-0000').set('authorization', `Bearer ${auditor}`).expect(404);
  });
});
