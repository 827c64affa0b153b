import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type {
  ForecastingStatus,
  ForecastScorecard,
  PublishedForecast,
  PublishSummary,
} from '@provena/forecasting';
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
import type { GatewayConfig } from '../src/config/gateway-config';
import { newForecastingUnderTest, type ForecastingUnderTest } from './forecasts.harness';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, ON_FABRIC, RUN } from './ledger-under-test';
import { scenarioForRun } from './scenario-for-run';

/**
 * Bound on the gateway recording the fleet's 23,040 readings once published. Measured on Fabric (2 cores, other
 * work running): 49 s, about 470 readings a second; on the double, a few seconds.
 */
const FLEET_INGEST_MS = ON_FABRIC ? 180_000 : 60_000;

// On Fabric: 1,079 shipments created through the API (about 70 s), a week more of them, three forecast runs, and
// the fleet's ingest above.
jest.setTimeout(ON_FABRIC ? 540_000 : 300_000);

const SCENARIOS = resolve(__dirname, '../../iot-simulator/scenarios');

/**
 * Whether a demand series is this file's. The Fabric tier's ledger (one network per tier run) also holds other
 * files' shipments, which the forecasting service rightly forecasts too; this file's carry its run id
 * (scenario-for-run.ts). On the double nothing else is on the ledger and nothing is left out.
 */
const ours = (seriesId: string): boolean => !ON_FABRIC || seriesId.includes(RUN);

/** The forecasting service's own identity, as scripts/forecasting-identity.sh issues it (Fabric only). */
const FORECASTING_IDENTITY = /CN=forecasting@producer\.provena\.local/;

// The demand scenario's order history goes onto the ledger through the REST API; the forecasting service, its own
// process with its own ledger identity, follows it from chaincode events, is stopped and restarted, publishes
// forecasts and anchors each on the ledger; the gateway, which trains nothing, serves them, and auditors check
// each against its anchor. In the Fabric tier this is issue 17's end to end on the real network; otherwise the
// ledger is the in-memory double running the real chaincode (ledger-under-test.ts) and the service's entry points
// run in process (forecasts.harness.ts).
describe(`demand history on the ledger → anchored forecasts → auditors check them (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  let app: INestApplication;
  let config: GatewayConfig;
  const ledger = newLedgerUnderTest();
  const dir = mkdtempSync(join(tmpdir(), 'provena-forecasts-'));
  // Where the gateway reads forecasts (testGatewayConfig) is where the service publishes them.
  const forecastDir = join(dir, 'forecasts');
  let forecasting: ForecastingUnderTest;
  /** AnchorForecast transactions the gateway submitted: none, it only serves. */
  const anchoredByGateway = (): number =>
    ledger.submitted.filter((fn) => fn === 'forecast:AnchorForecast').length -
    forecasting.submittedInProcess();

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: false });
    config = testGatewayConfig({
      brokerUrl: broker.url,
      dir,
      clientId: 'gateway-forecast-test',
      rateLimitPerMinute: 60_000,
    });
    expect(config.api.forecastDirectory).toBe(forecastDir);
    app = await startGatewayApp(config, ledger);
    forecasting = newForecastingUnderTest(forecastDir, ledger);
  });

  afterAll(async () => {
    await forecasting?.cleanup();
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
  });

  it('publishes one anchored forecast per product and location from its own process, resumes from its checkpoint and retrains nothing unchanged on restart; the gateway serves them without retraining, a tampered one does not match, and a week of new orders later the scorecard scores them against those orders', async () => {
    const keys = app.get(ApiKeyStore);
    const scenarioFile = scenarioForRun(join(SCENARIOS, 'demand-history.json'), dir, { duration: '120d' });
    const plans = planScenario(await loadScenario(scenarioFile)).shipmentPlans;
    const apiKeys: Record<string, { operator: string }> = {};
    for (const org of new Set(plans.map((p) => p.originOrg))) {
      apiKeys[org] = { operator: (await keys.create({ role: 'operator', org, label: 'demand' })).key };
    }
    writeFileSync(join(dir, 'demand-keys.json'), JSON.stringify(apiKeys));
    // The simulator's `demand` command, as a user runs it, against the gateway as it is now (a restart moves it).
    const createOrders = async (scenario: string): Promise<void> => {
      const { port } = app.getHttpServer().address() as { port: number };
      const args = ['--gateway', `http://127.0.0.1:${port}`, '--api-keys', join(dir, 'demand-keys.json')];
      const io = { stdout: new PassThrough(), stderr: new PassThrough() };
      expect(await runCli(['demand', scenario, ...args], io)).toBe(0);
    };
    await createOrders(scenarioFile);

    const seriesIds = [...new Set(plans.map((p) => `demand:${p.productId}@${p.location}`))].sort();
    const totalQuantity = plans.reduce((sum, p) => sum + p.quantity, 0);
    const ourSeries = (status: ForecastingStatus) => status.demand.filter((s) => ours(s.seriesId));

    // The service follows the ledger until its checkpoint holds every order, and is stopped (SIGTERM on Fabric).
    const followStarted = Date.now();
    await forecasting.follow((status) => {
      const series = ourSeries(status);
      return (
        series.length === seriesIds.length && series.reduce((sum, s) => sum + s.total, 0) === totalQuantity
      );
    }, LEDGER_PATIENCE_MS);
    console.log(
      `forecasting: ${plans.length} orders followed into the checkpoint in ${Date.now() - followStarted} ms`,
    );

    // Restarted for a run: it resumes from the checkpoint, and nothing before it is replayed.
    const first = await forecasting.publish();
    const checkpoint = first.replay.resumedFrom;
    expect(checkpoint).not.toBeNull();
    expect(first.replay.events).toBeLessThan(plans.length);
    if (first.replay.firstBlock !== null) {
      expect(BigInt(first.replay.firstBlock)).toBeGreaterThanOrEqual(BigInt(checkpoint!.blockNumber));
    }
    expect(first.skipped.filter((s) => ours(s.seriesId))).toEqual([]);
    const published = first.published.filter((f) => ours(f.seriesId));
    expect(published.map((f) => f.seriesId).sort()).toEqual(seriesIds);
    console.log(
      `forecasting: ${first.published.length} series published in ${first.runMs} ms, ` +
        `${first.runCpuMs} ms CPU (${Math.round(first.runCpuMs / Math.max(1, first.published.length))} ms per series)`,
    );

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'forecast audit' })).key;
    const auditAll = async (): Promise<{ seriesId: string; runId: string }[]> => {
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
          verification: {
            matchesLedger: boolean;
            ledgerValuesHash: string;
            anchoredByOrg: string;
            anchoredBy: string;
          };
        };
        expect(forecast.verification.matchesLedger).toBe(true);
        expect(forecast.verification.ledgerValuesHash).toBe(forecastValuesHash(forecast.values));
        expect(forecast.verification.anchoredByOrg).toBe('ProducerMSP');
        // The anchor names the service's own identity, not the gateway's operator (User1).
        if (ON_FABRIC) expect(forecast.verification.anchoredBy).toMatch(FORECASTING_IDENTITY);
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
      return listed;
    };
    const listed = await auditAll();
    expect(listed.map((f) => f.runId).sort()).toEqual(published.map((f) => f.runId).sort());

    // A gateway restart retrains nothing: it serves the same runs, still matching, and never anchors.
    await app.close();
    app = await startGatewayApp(config, ledger);
    expect((await auditAll()).map((f) => f.runId).sort()).toEqual(published.map((f) => f.runId).sort());
    expect(anchoredByGateway()).toBe(0);

    // A second forecasting restart resumes after the first run's checkpoint and retrains no unchanged series.
    const restarted = Date.now();
    const second = await forecasting.publish();
    console.log(
      `forecasting: restart with nothing to retrain took ${Date.now() - restarted} ms (start, resume from block ` +
        `${second.replay.resumedFrom?.blockNumber}, ${second.replay.events} events replayed, caught up by ` +
        `${second.caughtUp}, stop)`,
    );
    // Both ledgers name their last event: the replay ends when it is applied, not after a quiet window.
    expect(first.caughtUp).toBe('position');
    expect(second.caughtUp).toBe('position');
    expect(BigInt(second.replay.resumedFrom!.blockNumber)).toBeGreaterThanOrEqual(
      BigInt(checkpoint!.blockNumber),
    );
    expect(second.replay.events).toBeLessThanOrEqual(first.published.length); // at most its own anchors' events
    expect(second.published.filter((f) => ours(f.seriesId))).toEqual([]);
    expect(second.unchanged.filter(ours).sort()).toEqual(seriesIds);

    // Publishing every series again on the same history gives the same runs (seeded training), anchored once.
    const again: PublishSummary = await forecasting.publish({ all: true });
    const anchorsOf = (summary: PublishSummary) =>
      summary.published
        .filter((f) => ours(f.seriesId))
        .map((f) => `${f.runId} ${f.anchorTxId}`)
        .sort();
    expect(anchorsOf(again)).toEqual(anchorsOf(first));

    // A forecast altered after publication no longer matches its anchor, and the API says so.
    const api = request(app.getHttpServer());
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
    expect(tampered.body.verification.recomputedValuesHash).not.toBe(
      tampered.body.verification.ledgerValuesHash,
    );
    stored.values.point[0] = stored.values.point[0]! - 1;
    writeFileSync(file, JSON.stringify(stored));

    const runs = await api
      .get(`/forecasts/series/${encodeURIComponent(seriesIds[0]!)}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect((runs.body as { runId: string }[]).map((r) => r.runId)).toEqual([
      published.find((f) => f.seriesId === seriesIds[0])!.runId,
    ]);
    await api.get('/forecasts/series/%20bad').set('authorization', `Bearer ${auditor}`).expect(400);
    await api.get('/forecasts').expect(401);
    await api.get('/forecasts/fc-0000').set('authorization', `Bearer ${auditor}`).expect(404);

    // A week later: the scenario's next seven days of orders go onto the ledger through the API, the service's
    // next run scores the first forecasts against them, and the gateway serves that scorecard. What it says is
    // checked against the orders as planned, not as the service read them back from the ledger.
    const weekLater = scenarioForRun(join(SCENARIOS, 'demand-history.json'), dir, { duration: '127d' });
    const allPlans = planScenario(await loadScenario(weekLater)).shipmentPlans;
    const firstIds = new Set(plans.map((p) => p.shipmentId));
    expect(allPlans.filter((p) => firstIds.has(p.shipmentId))).toEqual(plans);
    const newOrders = allPlans.filter((p) => !firstIds.has(p.shipmentId));
    expect(newOrders.length).toBeGreaterThan(0);
    await createOrders(weekLater);
    const third = await forecasting.publish();
    // Every series has new orders, so each is forecast again, from after its new last order.
    expect(
      third.published
        .filter((f) => ours(f.seriesId))
        .map((f) => f.seriesId)
        .sort(),
    ).toEqual(seriesIds);

    const DAY_MS = 86_400_000;
    const ordered = new Map<string, number>(); // "seriesId day" -> quantity
    const lastOrderDay = new Map<string, number>();
    for (const p of allPlans) {
      const id = `demand:${p.productId}@${p.location}`;
      const day = Math.floor(p.createAtMs / DAY_MS);
      ordered.set(`${id} ${day}`, (ordered.get(`${id} ${day}`) ?? 0) + p.quantity);
      lastOrderDay.set(id, Math.max(lastOrderDay.get(id) ?? 0, day));
    }
    const expected = published.map((f) => {
      const run = JSON.parse(
        readFileSync(join(forecastDir, 'runs', `${f.runId}.json`), 'utf8'),
      ) as PublishedForecast;
      const origin = Date.parse(`${run.values.origin}T00:00:00Z`) / DAY_MS;
      let observed = 0;
      let inside = 0;
      for (let h = 0; h < run.values.point.length && origin + h <= lastOrderDay.get(f.seriesId)!; h++) {
        const actual = ordered.get(`${f.seriesId} ${origin + h}`) ?? 0;
        observed++;
        if (actual >= run.values.lower[h]! && actual <= run.values.upper[h]!) inside++;
      }
      return { runId: f.runId, seriesId: f.seriesId, observed, inside };
    });
    const card = (await api.get('/forecasts/scorecard').set('authorization', `Bearer ${auditor}`).expect(200))
      .body as ForecastScorecard;
    const scored = card.runs
      .filter((r) => ours(r.seriesId))
      .map(({ runId, seriesId, observed, inside }) => ({ runId, seriesId, observed, inside }));
    const bySeries = (a: { seriesId: string }, b: { seriesId: string }) => (a.seriesId < b.seriesId ? -1 : 1);
    expect(scored.sort(bySeries)).toEqual(expected.sort(bySeries));
    // Every series has orders on the week's last day (the scenario is seeded): each first run is scored on 7 days.
    for (const e of expected) expect(e.observed).toBe(7);
    expect(card.level).toBe(0.8);
    // By days ahead: the same days as the totals, split; here every first run has days 1 to 7 known, the later
    // runs none yet (on Fabric the ledger may hold other files' series too).
    expect(card.byDaysAhead.reduce((a, d) => a + d.observed, 0)).toBe(card.overall.observed);
    expect(card.byDaysAhead.reduce((a, d) => a + d.inside, 0)).toBe(card.overall.inside);
    if (!ON_FABRIC) {
      expect(card.byDaysAhead.map((d) => `${d.daysAhead}:${d.observed}`)).toEqual(
        [1, 2, 3, 4, 5, 6, 7].map((d) => `${d}:${expected.length}`),
      );
    }
    const observed = expected.reduce((a, e) => a + e.observed, 0);
    const inside = expected.reduce((a, e) => a + e.inside, 0);
    console.log(
      `forecasting: scorecard after a week of new orders: ${inside} of ${observed} known days inside the 80 % ` +
        `intervals (${((100 * inside) / observed).toFixed(1)} %) over ${expected.length} first runs; ` +
        `the week's ${newOrders.length} orders created and the run took ${third.runMs} ms`,
    );
    // Each scored run is the anchored one: its values still hash to the ledger's anchor.
    const check = await api
      .get(`/forecasts/${scored[0]!.runId}`)
      .set('authorization', `Bearer ${auditor}`)
      .expect(200);
    expect(check.body.verification.matchesLedger).toBe(true);
    expect(card.runs.find((r) => r.runId === scored[0]!.runId)!.valuesHash).toBe(
      check.body.verification.ledgerValuesHash,
    );
    await api.get('/forecasts/scorecard').expect(401);
    expect(anchoredByGateway()).toBe(0);
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
    const machines = new Set(plan.devices.map((d) => d.device.id));
    // Every reading is on the ledger once the gateway has recorded it; the service's checkpoint then knows every
    // machine.
    await forecasting.follow((status) => [...machines].every((id) => status.machines.includes(id)), 120_000);
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

    const run = await forecasting.publish();
    console.log(`forecasting: maintenance run ${run.runMs} ms, ${run.runCpuMs} ms CPU`);
    expect(run.maintenanceSkipped).toBeNull();
    const maintenance = run.published.filter((f) => f.purpose === 'maintenance');
    expect(maintenance.length).toBeGreaterThan(0);

    const auditor = (await keys.create({ role: 'auditor', org: 'AuditorMSP', label: 'fleet audit' })).key;
    const api = request(app.getHttpServer());
    const flags = await api.get('/maintenance-flags').set('authorization', `Bearer ${auditor}`).expect(200);
    const list = flags.body as {
      deviceId: string;
      flag: boolean;
      predictedHoursLeft: number;
      runId: string;
    }[];
    expect(list.map((f) => f.runId).sort()).toEqual(maintenance.map((f) => f.runId).sort());
    for (const flag of list) {
      expect(Number.isFinite(flag.predictedHoursLeft)).toBe(true);
      expect(flag.flag).toBe(flag.predictedHoursLeft <= 24);
      const served = await api
        .get(`/forecasts/${flag.runId}`)
        .set('authorization', `Bearer ${auditor}`)
        .expect(200);
      expect(served.body.verification.matchesLedger).toBe(true);
      expect(served.body.anchor.purpose).toBe('maintenance');
      expect(served.body.modelCard.validation.metric).toBe('RMSE');
      expect(Number(served.body.anchor.metrics.failures)).toBeGreaterThanOrEqual(Math.min(3, truthFailures));
    }
  });
});
