import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForecastStore, scoreForecasts, type PublishedForecast } from '@provena/forecasting';
import { forecastValuesHash, type ForecastValues } from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import type { LedgerActor, LedgerPort } from '../../ledger/ledger.port';
import type { Principal } from '../auth/principal';
import { ForecastsService } from './forecasts.service';

const made: string[] = [];
/** A folder of its own for each test, removed when the file is done. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provena-forecasts-api-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const AUDITOR: Principal = { keyId: 'a1b2c3d4e5f6', role: 'auditor', org: 'AuditorMSP' };
const FORECASTER = 'x509::/OU=client/CN=forecasting@producer.provena.local::/CN=ca.producer.provena.local';

function published(runId: string, values: ForecastValues): PublishedForecast {
  return {
    runId,
    values,
    anchor: {
      runId,
      seriesId: values.seriesId,
      purpose: 'demand',
      horizon: values.point.length,
      valuesHash: forecastValuesHash(values),
      modelKind: 'theta',
      modelHash: 'a'.repeat(64),
      trainingBlocks: { from: '3', to: '40' },
      trainingPoints: 60,
      metrics: {},
    },
    modelCard: {
      kind: 'theta',
      modelHash: 'a'.repeat(64),
      fallback: null,
      validation: { metric: 'MASE', scores: { theta: 0.8 } },
      training: { from: '2026-01-01', to: '2026-03-01', points: 60, blocks: { from: '3', to: '40' } },
      config: {},
    },
    ledger: { txId: `tx-${runId}`, blockNumber: '41' },
    publishedAt: '2026-03-02T00:00:00.000Z',
  };
}

/** What the forecasting service left in its folder, and the anchors it put on the ledger. */
async function setUp() {
  const directory = tempDir();
  const store = new ForecastStore(directory);
  const values: ForecastValues = {
    seriesId: 'demand:SKU-1@Store-7',
    step: 'day',
    origin: '2026-03-02',
    point: [10, 11, 12],
    lower: [8, 9, 10],
    upper: [12, 13, 14],
    level: 0.8,
  };
  const run = published('fc-0123456789abcdef0123456789abcdef', values);
  await store.save(run);
  const asked: LedgerActor[] = [];
  const ledger = {
    async evaluate(actor: LedgerActor, fn: string, args: readonly string[]) {
      asked.push(actor);
      expect(fn).toBe('forecast:GetForecastAnchor');
      if (args[0] !== run.runId) {
        throw new GatewayError(GatewayErrorCode.NotFound, `forecast run ${args[0]} is not anchored`);
      }
      return {
        valuesHash: run.anchor.valuesHash,
        modelHash: run.anchor.modelHash,
        txId: run.ledger.txId,
        anchoredByOrg: 'ProducerMSP',
        anchoredBy: FORECASTER,
        anchoredAt: 1,
      };
    },
  } as unknown as LedgerPort;
  const service = new ForecastsService(ledger, {
    apiKeysFile: join(directory, 'keys.json'),
    rateLimitPerMinute: 60,
    maxPageSize: 200,
    forecastDirectory: directory,
  });
  return { directory, run, service, asked };
}

describe('forecasts served from the forecasting service’s store, checked against the ledger', () => {
  it('serves a forecast whose values hash to its anchor, asked as the caller, naming who anchored it', async () => {
    const { run, service, asked } = await setUp();
    const forecast = await service.get(AUDITOR, run.runId);
    expect(forecast.values).toEqual(run.values);
    expect(forecast.verification).toEqual({
      recomputedValuesHash: run.anchor.valuesHash,
      ledgerValuesHash: run.anchor.valuesHash,
      ledgerModelHash: run.anchor.modelHash,
      anchorTxId: run.ledger.txId,
      anchoredByOrg: 'ProducerMSP',
      anchoredBy: FORECASTER,
      matchesLedger: true,
    });
    expect(asked).toEqual([{ org: 'AuditorMSP', role: 'auditor' }]);
    expect((await service.latest()).map((s) => s.runId)).toEqual([run.runId]);
  });

  it.each([
    ['a point value', (f: PublishedForecast) => ({ ...f, values: { ...f.values, point: [10, 11, 13] } })],
    ['an interval bound', (f: PublishedForecast) => ({ ...f, values: { ...f.values, upper: [12, 13, 15] } })],
    [
      'the model named',
      (f: PublishedForecast) => ({ ...f, modelCard: { ...f.modelCard, modelHash: 'b'.repeat(64) } }),
    ],
  ])('reports a forecast altered on disk (%s) as not matching the ledger', async (_what, alter) => {
    const { directory, run, service } = await setUp();
    const file = join(directory, 'runs', `${run.runId}.json`);
    writeFileSync(file, JSON.stringify(alter(JSON.parse(readFileSync(file, 'utf8')) as PublishedForecast)));
    const forecast = await service.get(AUDITOR, run.runId);
    expect(forecast.verification.matchesLedger).toBe(false);
    expect(forecast.verification.ledgerValuesHash).toBe(run.anchor.valuesHash);
  });

  it('answers NOT_FOUND for a run the store does not hold', async () => {
    const { service } = await setUp();
    await expect(service.get(AUDITOR, 'fc-ffffffffffffffffffffffffffffffff')).rejects.toMatchObject({
      code: GatewayErrorCode.NotFound,
    });
  });

  it('serves the forecasting service’s scorecard as saved, and NOT_FOUND before its first run', async () => {
    const { directory, run, service } = await setUp();
    await expect(service.scorecard()).rejects.toMatchObject({ code: GatewayErrorCode.NotFound });
    // Orders known through 2026-03-03: the run's first two days (actuals 9 and 20, interval 8-12 and 9-13).
    const history = {
      id: run.values.seriesId,
      step: 'day' as const,
      start: '2026-02-24',
      values: [9, 10, 9, 11, 10, 9, 9, 20],
      fromBlock: '3',
      toBlock: '44',
      orders: 8,
    };
    const scorecard = scoreForecasts([run], [history], new Date('2026-03-04T00:00:00Z'));
    await new ForecastStore(directory).saveScorecard(scorecard);
    const served = await service.scorecard();
    expect(served).toEqual(scorecard);
    expect(served.overall).toMatchObject({ runs: 1, observed: 2, inside: 1, coverage: 0.5 });
    expect(served.runs[0]).toMatchObject({ runId: run.runId, valuesHash: run.anchor.valuesHash });
  });
});
