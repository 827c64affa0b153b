import { canonicalJson, LedgerEvent, type ForecastAnchorInput } from '@provena/wire';
import type { ForecastAnchorRecord } from './forecast.model';
import type { Page } from './ledger-state';
import { InMemoryLedger, type TestIdentity } from './testing/in-memory-context';
import { as, AUDITOR, CARRIER, contracts, PRODUCER } from './testing/test-fixtures';

const { forecast } = contracts;

function anchorInput(runId: string, extra: Record<string, unknown> = {}): ForecastAnchorInput {
  return {
    runId,
    seriesId: 'VACCINE-X@ProducerMSP/Lyon',
    purpose: 'demand',
    horizon: 14,
    valuesHash: 'a'.repeat(64),
    modelKind: 'holt-winters',
    modelHash: 'b'.repeat(64),
    trainingBlocks: { from: '12', to: '9007199254740993' },
    trainingPoints: 365,
    metrics: { mape: 0.12, 'coverage.80': 0.79 },
    ...extra,
  } as ForecastAnchorInput;
}

describe('forecast contract', () => {
  let ledger: InMemoryLedger;
  const anchor = (runId: string, by: TestIdentity = as.producerOperator, extra = {}) =>
    ledger.submit<ForecastAnchorRecord>(
      by,
      forecast,
      'AnchorForecast',
      JSON.stringify(anchorInput(runId, extra)),
    );
  const get = (runId: string, by: TestIdentity = as.auditor) =>
    ledger.evaluate<ForecastAnchorRecord>(by, forecast, 'GetForecastAnchor', runId);
  const list = (seriesId: string, pageSize: number, bookmark = '') =>
    ledger.evaluate<Page<ForecastAnchorRecord>>(
      as.auditor,
      forecast,
      'ListForecastAnchors',
      seriesId,
      String(pageSize),
      bookmark,
    );

  beforeEach(() => {
    ledger = new InMemoryLedger();
  });

  describe('AnchorForecast', () => {
    it('stores the anchor with who anchored it and when, readable by anyone, auditors included', async () => {
      const { result, txId } = await anchor('run-1');
      expect(result).toEqual({
        ...anchorInput('run-1'),
        anchoredByOrg: PRODUCER,
        anchoredBy: expect.stringContaining(`/O=${PRODUCER}/OU=client/`),
        txId,
        anchoredAt: Date.UTC(2026, 10, 2, 0, 0, 1),
      });
      expect(await get('run-1')).toEqual(result);
      expect(await get('run-1', as.carrierOperator)).toEqual(result);
    });

    it('writes canonical JSON under forecast~run [runId] and an index entry under forecast~series [seriesId, runId]', async () => {
      const { result, txId } = await anchor('run-1');
      expect(ledger.keys()).toEqual([
        '\u0000forecast~run\u0000run-1\u0000',
        '\u0000forecast~series\u0000VACCINE-X@ProducerMSP/Lyon\u0000run-1\u0000',
      ]);
      expect(ledger.get('\u0000forecast~run\u0000run-1\u0000')).toBe(canonicalJson(result));
      expect(ledger.get('\u0000forecast~series\u0000VACCINE-X@ProducerMSP/Lyon\u0000run-1\u0000')).toBe(
        canonicalJson({ txId }),
      );
    });

    it('emits ForecastAnchored with the run, series, purpose and both hashes', async () => {
      const { event, txId } = await anchor('run-1', as.carrierAdmin, { purpose: 'maintenance' });
      const payload = {
        runId: 'run-1',
        seriesId: 'VACCINE-X@ProducerMSP/Lyon',
        purpose: 'maintenance',
        valuesHash: 'a'.repeat(64),
        modelHash: 'b'.repeat(64),
      };
      expect(event).toEqual({ name: LedgerEvent.ForecastAnchored, payload });
      expect(ledger.events()).toEqual([{ txId, name: LedgerEvent.ForecastAnchored, payload }]);
    });

    it('lets an admin or operator of any member organisation anchor', async () => {
      await anchor('run-1', as.producerAdmin);
      await anchor('run-2', as.carrierOperator);
      await anchor('run-3', as.retailerOperator);
      expect((await get('run-2')).anchoredByOrg).toBe(CARRIER);
    });

    it('refuses a run id already anchored, even by another organisation with the same content', async () => {
      const first = await anchor('run-1');
      const before = ledger.dump();
      await expect(anchor('run-1', as.carrierOperator)).rejects.toThrow(
        /^ALREADY_EXISTS: forecast run run-1 is already anchored$/,
      );
      await expect(anchor('run-1', as.producerOperator, { valuesHash: 'c'.repeat(64) })).rejects.toThrow(
        /^ALREADY_EXISTS/,
      );
      expect(ledger.dump()).toBe(before);
      expect(await get('run-1')).toEqual(first.result);
    });

    it('refuses an auditor, saying who may, and writes nothing', async () => {
      await expect(anchor('run-1', as.auditor)).rejects.toThrow(
        `FORBIDDEN: only an operator or admin of a member organisation may anchor a forecast; ${AUDITOR} may only read`,
      );
      expect(ledger.keys()).toEqual([]);
      expect(ledger.events()).toEqual([]);
    });

    it('refuses an auditor before looking at the argument', async () => {
      await expect(ledger.submit(as.auditor, forecast, 'AnchorForecast', '{"runId":')).rejects.toThrow(
        /^FORBIDDEN/,
      );
    });

    it.each<[string, string, RegExp]>([
      ['malformed JSON', '{"runId":"run-1",', /^INVALID_ARGUMENT: anchorJson: MALFORMED_JSON/],
      [
        'NaN',
        JSON.stringify(anchorInput('run-1')).replace('"horizon":14', '"horizon":NaN'),
        /^INVALID_ARGUMENT: anchorJson: MALFORMED_JSON/,
      ],
      [
        'a duplicate key',
        JSON.stringify(anchorInput('run-1')).replace('{', '{"runId":"run-0",'),
        /^INVALID_ARGUMENT: anchorJson: DUPLICATE_KEY/,
      ],
      [
        'an unknown field',
        JSON.stringify(anchorInput('run-1', { forecastValues: [1, 2] })),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.forecastValues is not a known field$/,
      ],
      [
        'a missing field',
        JSON.stringify(anchorInput('run-1', { metrics: undefined })),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.metrics is required$/,
      ],
      [
        'a bad run id',
        JSON.stringify(anchorInput('run 1')),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.runId must be letters/,
      ],
      [
        'an uppercase hash',
        JSON.stringify(anchorInput('run-1', { valuesHash: 'A'.repeat(64) })),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.valuesHash must be 64 lowercase hex digits/,
      ],
      [
        'a horizon beyond 1000',
        JSON.stringify(anchorInput('run-1', { horizon: 1001 })),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.horizon must be between 1 and 1000$/,
      ],
      [
        'training blocks out of order',
        JSON.stringify(anchorInput('run-1', { trainingBlocks: { from: '100', to: '99' } })),
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor.trainingBlocks.from must not exceed/,
      ],
      ['an array', '[]', /^INVALID_ARGUMENT: SCHEMA_VIOLATION: anchor must be an object$/],
    ])('refuses %s with INVALID_ARGUMENT naming the field, writing nothing', async (_what, json, message) => {
      await anchor('run-0');
      const before = ledger.dump();
      const events = ledger.events().length;
      await expect(ledger.submit(as.producerOperator, forecast, 'AnchorForecast', json)).rejects.toThrow(
        message,
      );
      expect(ledger.dump()).toBe(before);
      expect(ledger.events()).toHaveLength(events);
    });
  });

  describe('GetForecastAnchor', () => {
    it('answers NOT_FOUND for a run never anchored', async () => {
      await expect(get('run-9')).rejects.toThrow(/^NOT_FOUND: forecast run run-9 is not anchored$/);
    });

    it('refuses a malformed run id', async () => {
      await expect(get('run/9')).rejects.toThrow(/^INVALID_ARGUMENT: SCHEMA_VIOLATION: runId must be/);
    });
  });

  describe('ListForecastAnchors', () => {
    const A = 'VACCINE-X@ProducerMSP/Lyon';
    const B = 'press-07:bearing';

    beforeEach(async () => {
      // Anchored out of id order, interleaving two series: lists come back in run id order.
      await anchor('run-4', as.producerOperator, { seriesId: A });
      await anchor('run-1', as.producerOperator, { seriesId: A });
      await anchor('run-2', as.carrierOperator, { seriesId: B, purpose: 'maintenance' });
      await anchor('run-5', as.producerOperator, { seriesId: A });
      await anchor('run-3', as.producerOperator, { seriesId: A });
    });

    const ids = (page: Page<ForecastAnchorRecord>) => page.items.map((a) => a.runId);

    it('pages through one series in run id order, returning the anchors themselves', async () => {
      const first = await list(A, 3);
      expect(ids(first)).toEqual(['run-1', 'run-3', 'run-4']);
      expect(first.items[0]).toEqual(await get('run-1'));
      expect(first.bookmark).not.toBe('');
      const last = await list(A, 3, first.bookmark);
      expect(last).toMatchObject({ bookmark: '', fetchedRecordsCount: 1 });
      expect(ids(last)).toEqual(['run-5']);
      expect(ids(await list(B, 10))).toEqual(['run-2']);
    });

    it('lists every series when seriesId is empty', async () => {
      const first = await list('', 3);
      expect(ids(first)).toEqual(['run-1', 'run-2', 'run-3']);
      expect(ids(await list('', 3, first.bookmark))).toEqual(['run-4', 'run-5']);
    });

    it('gives an empty page for a series without anchors, including one whose name extends another', async () => {
      expect(await list('press-07', 10)).toEqual({ items: [], bookmark: '', fetchedRecordsCount: 0 });
    });

    it('refuses a malformed series id and a bookmark from another series', async () => {
      await expect(list('-bad', 10)).rejects.toThrow(/^INVALID_ARGUMENT: SCHEMA_VIOLATION: seriesId must be/);
      const page = await list(A, 1);
      await expect(list(B, 1, page.bookmark)).rejects.toThrow(
        /^INVALID_ARGUMENT: bookmark does not belong to this query$/,
      );
    });
  });
});
