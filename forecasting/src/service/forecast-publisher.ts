import { createHash } from 'node:crypto';
import {
  LedgerErrorCode,
  canonicalJson,
  forecastValuesHash,
  modelHash,
  parseLedgerError,
  type ForecastAnchorInput,
  type ForecastValues,
} from '@provena/wire';
import type { SelectedForecast } from '../evaluation/model-selection';
import { addSteps, seasonPeriod } from '../series/time-series';
import { totalOrdered, type DemandSeries } from './demand-history';
import type { ForecastComputer } from './forecast-computer';
import type { ForecastActor, ForecastLedgerPort } from './forecast-ledger.port';
import type { ForecastStore } from './forecast-store';
import type { ModelCard, PublishedForecast } from './published-forecast';

export interface PublishOptions {
  readonly horizon: number;
  /** Series shorter than this many days are not forecast (and the log says so). */
  readonly minHistory: number;
  readonly actor: ForecastActor;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
}

export interface PublishOutcome {
  readonly published: PublishedForecast[];
  readonly skipped: { seriesId: string; reason: string }[];
}

/** JSON-safe: `modelHash` refuses NaN, so scores of failed candidates travel as null. */
function finiteOrNull(record: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
}

/** A run id the same inputs always give: re-publishing after a crash finds its own anchor instead of a twin. */
export function forecastRunId(values: ForecastValues, valuesDigest: string, modelDigest: string): string {
  const digest = createHash('sha256')
    .update(
      canonicalJson({
        seriesId: values.seriesId,
        origin: values.origin,
        values: valuesDigest,
        model: modelDigest,
      }),
    )
    .digest('hex');
  return `fc-${digest.slice(0, 32)}`;
}

/** Builds the anchor for a selected forecast; exported for tests that check hashes end to end. */
export function anchorFor(
  series: DemandSeries,
  selected: SelectedForecast,
  horizon: number,
): { values: ForecastValues; anchor: ForecastAnchorInput; modelCard: ModelCard } {
  const values: ForecastValues = {
    seriesId: series.id,
    step: series.step,
    origin: addSteps(series.start, series.step, series.values.length),
    point: selected.point,
    lower: selected.lower,
    upper: selected.upper,
    level: selected.level,
  };
  const model = { kind: selected.model.kind, config: selected.model.config, weights: selected.model.weights };
  const digest = modelHash(model);
  const validationMase = finiteOrNull(selected.validation);
  const metrics: Record<string, number> = {};
  for (const [kind, score] of Object.entries(validationMase)) {
    if (score !== null) metrics[`mase.${kind.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 64)] = score;
  }
  const valuesHash = forecastValuesHash(values);
  const anchor: ForecastAnchorInput = {
    runId: forecastRunId(values, valuesHash, digest),
    seriesId: series.id,
    purpose: 'demand',
    horizon,
    valuesHash,
    modelKind: selected.kind,
    modelHash: digest,
    trainingBlocks: { from: series.fromBlock, to: series.toBlock },
    trainingPoints: series.values.length,
    metrics,
  };
  const modelCard: ModelCard = {
    kind: selected.kind,
    modelHash: digest,
    fallback: selected.fallback,
    validation: { metric: 'MASE', scores: validationMase },
    training: {
      from: series.start,
      to: addSteps(series.start, series.step, series.values.length - 1),
      points: series.values.length,
      total: totalOrdered(series.values),
      blocks: anchor.trainingBlocks,
    },
    config: selected.model.config,
  };
  return { values, anchor, modelCard };
}

/**
 * Forecasts every demand series, anchors each run on the ledger (`forecast:AnchorForecast`) and only then saves
 * it to the store: a forecast the gateway serves always has its anchor. A run whose anchor already exists (the
 * same data and model after a crash) is taken from the ledger as it is.
 */
export async function publishDemandForecasts(
  series: readonly DemandSeries[],
  ledger: ForecastLedgerPort,
  store: ForecastStore,
  computer: ForecastComputer,
  options: PublishOptions,
): Promise<PublishOutcome> {
  const published: PublishedForecast[] = [];
  const skipped: PublishOutcome['skipped'] = [];
  let index = 0;
  for (const s of series) {
    index++;
    if (s.values.length < options.minHistory) {
      skipped.push({
        seriesId: s.id,
        reason: `${s.values.length} days of history, need ${options.minHistory}`,
      });
      continue;
    }
    const started = Date.now();
    const selected = await computer.compute(s.values, options.horizon, seasonPeriod(s.step));
    const { values, anchor, modelCard } = anchorFor(s, selected, options.horizon);
    const forecast = await anchorAndStore({ values, anchor, modelCard }, ledger, store, options);
    published.push(forecast);
    options.log(
      `forecast ${index}/${series.length} ${s.id}: ${selected.kind}${selected.fallback ? ` (fallback from ${selected.fallback.from}: ${selected.fallback.reason})` : ''}, ` +
        `${s.values.length} days, ${Date.now() - started} ms, anchored in tx ${forecast.ledger.txId}`,
    );
  }
  return { published, skipped };
}

/**
 * Anchors a run on the ledger (`forecast:AnchorForecast`), then saves it: what the store holds always has its
 * anchor. A run whose anchor exists already (same data and model, published again after a crash) is saved with
 * the existing anchor's transaction, provided the ledger holds the same values hash.
 */
export async function anchorAndStore(
  run: Pick<PublishedForecast, 'values' | 'anchor' | 'modelCard' | 'maintenance'>,
  ledger: ForecastLedgerPort,
  store: ForecastStore,
  options: Pick<PublishOptions, 'actor' | 'now'>,
): Promise<PublishedForecast> {
  const { anchor } = run;
  let ledgerPosition: { txId: string; blockNumber: string };
  try {
    const committed = await ledger.submit<unknown>(options.actor, 'forecast:AnchorForecast', [
      canonicalJson(anchor),
    ]);
    ledgerPosition = { txId: committed.txId, blockNumber: committed.blockNumber.toString() };
  } catch (err) {
    // Adapters keep the chaincode's code on the error; a raw chaincode message carries it as its prefix.
    const code =
      (err as { code?: unknown }).code ??
      parseLedgerError(err instanceof Error ? err.message : String(err)).code;
    if (code !== LedgerErrorCode.AlreadyExists) throw err;
    const existing = await ledger.evaluate<{ txId: string; valuesHash: string }>(
      options.actor,
      'forecast:GetForecastAnchor',
      [anchor.runId],
    );
    if (existing.valuesHash !== anchor.valuesHash) throw err;
    ledgerPosition = { txId: existing.txId, blockNumber: '' };
  }
  const forecast: PublishedForecast = {
    runId: anchor.runId,
    ...run,
    ledger: ledgerPosition,
    publishedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  await store.save(forecast);
  return forecast;
}
