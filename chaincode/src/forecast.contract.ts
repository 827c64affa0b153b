import type { Context } from 'fabric-contract-api';
import { canonicalJson, LedgerErrorCode, LedgerEvent } from '@provena/wire';
import { requireWriter } from './access';
import { declareContract } from './contract-surface';
import { parseForecastAnchor, requireSeriesId, type ForecastAnchorRecord } from './forecast.model';
import { requireId } from './input';
import { LedgerError } from './ledger-error';
import { forecastBySeriesKey, forecastRunKey, KeyType } from './ledger-keys';
import {
  decodeRecord,
  emitEvent,
  parsePageSize,
  readPage,
  readRecord,
  writeRecord,
  type PageQuery,
} from './ledger-state';
import { ProvenaContract } from './provena-contract';
import type { IndexEntry } from './reading-ingest';
import { openTx } from './tx-scope';

async function loadForecastAnchor(ctx: Context, runId: string): Promise<ForecastAnchorRecord> {
  const anchor = await readRecord<ForecastAnchorRecord>(ctx, forecastRunKey(ctx.stub, runId));
  if (!anchor) throw new LedgerError(LedgerErrorCode.NotFound, `forecast run ${runId} is not anchored`);
  return anchor;
}

/**
 * Anchors of forecast runs: the hashes of a run's values and model, the ledger blocks it was trained on and its
 * accuracy, so anyone holding a published forecast can check it is the one anchored, and when. The forecasts
 * themselves stay off the ledger. Contract name `forecast`.
 */
export class ForecastContract extends ProvenaContract {
  constructor() {
    super('forecast');
  }

  /**
   * Anchors one forecast run (operators and admins of member organisations; auditors only read). A run id is
   * anchored once: a second anchor under it is refused ALREADY_EXISTS, even with the same content, so an anchor
   * never changes after others have checked against it.
   */
  async AnchorForecast(ctx: Context, anchorJson: string): Promise<string> {
    const tx = openTx(ctx);
    requireWriter(tx.caller, 'anchor a forecast');
    const input = parseForecastAnchor(anchorJson);
    const key = forecastRunKey(ctx.stub, input.runId);
    if (await readRecord<ForecastAnchorRecord>(ctx, key)) {
      throw new LedgerError(LedgerErrorCode.AlreadyExists, `forecast run ${input.runId} is already anchored`);
    }
    const anchor: ForecastAnchorRecord = {
      ...input,
      anchoredByOrg: tx.caller.mspId,
      anchoredBy: tx.caller.id,
      txId: tx.txId,
      anchoredAt: tx.nowMs,
    };
    await writeRecord(ctx, key, anchor);
    const index: IndexEntry = { txId: tx.txId };
    await writeRecord(ctx, forecastBySeriesKey(ctx.stub, anchor.seriesId, anchor.runId), index);
    emitEvent(ctx, LedgerEvent.ForecastAnchored, {
      runId: anchor.runId,
      seriesId: anchor.seriesId,
      purpose: anchor.purpose,
      valuesHash: anchor.valuesHash,
      modelHash: anchor.modelHash,
    });
    return canonicalJson(anchor);
  }

  /** One anchored forecast run; anyone may read it, auditors included. */
  async GetForecastAnchor(ctx: Context, runId: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await loadForecastAnchor(ctx, requireId(runId, 'runId')));
  }

  /**
   * Anchored runs in run id order, a page at a time: of one series, or of every series when `seriesId` is "".
   * A series without anchors yields an empty page, not NOT_FOUND: series are not registered anywhere.
   */
  async ListForecastAnchors(
    ctx: Context,
    seriesId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    openTx(ctx);
    const series = seriesId === '' ? undefined : requireSeriesId(seriesId, 'seriesId');
    const query: PageQuery =
      series === undefined
        ? { kind: 'partial', objectType: KeyType.ForecastRun, attributes: [] }
        : { kind: 'partial', objectType: KeyType.ForecastBySeries, attributes: [series] };
    const page = await readPage(ctx, query, parsePageSize(pageSize), bookmark);
    const items: ForecastAnchorRecord[] = [];
    for (const entry of page.items) {
      if (series === undefined) {
        items.push(decodeRecord<ForecastAnchorRecord>(entry.key, entry.value));
      } else {
        // An index page names runs; the page returned holds the anchors themselves, with the index's bookmark.
        const [, runId = ''] = ctx.stub.splitCompositeKey(entry.key).attributes;
        items.push(await loadForecastAnchor(ctx, runId));
      }
    }
    return canonicalJson({ ...page, items });
  }
}

declareContract(
  ForecastContract,
  {
    title: 'forecast',
    description:
      'Anchors of forecast runs: hashes of their values and model, training blocks and accuracy metrics',
    version: '0.1.0',
  },
  {
    AnchorForecast: {
      submit: true,
      params: {
        anchorJson:
          'JSON {runId, seriesId, purpose, horizon, valuesHash, modelKind, modelHash, trainingBlocks: {from, to}, trainingPoints, metrics}',
      },
    },
    GetForecastAnchor: { submit: false, params: { runId: 'forecast run id' } },
    ListForecastAnchors: {
      submit: false,
      params: {
        seriesId: 'series id; "" for every series',
        pageSize: 'positive integer, served at most 200',
        bookmark: 'from the previous page; "" first',
      },
    },
  },
);
