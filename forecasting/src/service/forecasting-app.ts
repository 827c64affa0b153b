import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { readJsonIfExists } from './atomic-file';
import { DemandHistory } from './demand-history';
import { FORECAST_LEDGER, type ForecastLedgerPort } from './forecast-ledger.port';
import type { ForecastScorecard } from './forecast-scorecard';
import { ForecastStore } from './forecast-store';
import type { ForecastingConfig } from './forecasting-config';
import { ForecastingModule } from './forecasting.module';
import { ForecastingService } from './forecasting.service';
import { LEDGER_HISTORY_FILE, type ReplayProgress, type SavedLedgerHistory } from './ledger-history.listener';

/** A running forecasting service: its Nest context and the service in it. */
export interface ForecastingApp {
  readonly service: ForecastingService;
  /** Stops the crons and the event stream, saves the checkpoint, ends the training worker. */
  close(): Promise<void>;
}

export interface ForecastingAppOptions {
  /** Publish on the configured crons; off for a one-shot run. */
  readonly schedule: boolean;
  /** Nest's logger; the CLI passes one that keeps stdout for its results. */
  readonly logger?: LoggerService | false;
  /** The clock (ms since the epoch); default the system's. */
  readonly clock?: () => number;
}

/**
 * Starts the forecasting service on `ledger`: the listener resumes from the checkpoint in `config.directory` and
 * follows chaincode events; with `schedule`, the crons publish. The standalone process (src/main.ts) passes a
 * Fabric connection with the service's own identity; tests pass the in-memory ledger double.
 *
 * @example
 * const app = await startForecasting(config, ledger, { schedule: true });
 * // ... later, on SIGTERM:
 * await app.close();
 */
export async function startForecasting(
  config: ForecastingConfig,
  ledger: ForecastLedgerPort,
  options: ForecastingAppOptions,
): Promise<ForecastingApp> {
  const context = await NestFactory.createApplicationContext(
    ForecastingModule.forRoot(
      config,
      { provide: FORECAST_LEDGER, useValue: ledger },
      { schedule: options.schedule, ...(options.clock && { clock: options.clock }) },
    ),
    { logger: options.logger ?? false, abortOnError: false },
  );
  await context.init();
  return { service: context.get(ForecastingService), close: () => context.close() };
}

/** What one `publish` run did; the CLI prints it as JSON. */
export interface PublishSummary {
  /** Where the replay started and what it took in before the run. */
  readonly replay: ReplayProgress;
  /**
   * How the replay was judged complete: `position` (the listener applied the ledger's last event, as the ledger
   * named it), `quiet` (a ledger that cannot name it: no event for `quietMs`), or `timeout`.
   */
  readonly caughtUp: 'position' | 'quiet' | 'timeout';
  readonly published: readonly {
    readonly runId: string;
    readonly seriesId: string;
    readonly purpose: 'demand' | 'maintenance';
    readonly anchorTxId: string;
    readonly trainingBlocks: { readonly from: string; readonly to: string };
  }[];
  readonly skipped: readonly { readonly seriesId: string; readonly reason: string }[];
  /** Series whose newest published run already covers every order on the ledger: not retrained. */
  readonly unchanged: readonly string[];
  readonly maintenanceSkipped: string | null;
  /** How the published demand forecasts did on the days now known, pooled (`scorecard.json` has the detail). */
  readonly scorecard: ForecastScorecard['overall'] | null;
  /** Wall time of the forecast run (after the replay), and the process's CPU time in it, worker threads included. */
  readonly runMs: number;
  readonly runCpuMs: number;
}

export interface PublishOnceOptions {
  /** Every series, not only those with orders since their last published run. */
  readonly all: boolean;
  /** With a ledger that cannot name its last event: the replay counts as done once none has arrived for this long. */
  readonly quietMs: number;
  /** Publish with what has arrived after this long, even if events keep coming. */
  readonly catchUpTimeoutMs: number;
  readonly logger?: LoggerService | false;
  readonly clock?: () => number;
}

/**
 * One run without the crons: resume from the checkpoint, take in what the ledger committed since, publish (only
 * series with new orders, unless `all`), save the checkpoint, stop. For operators after an import, and for tests
 * that need a run at a known point.
 */
export async function publishOnce(
  config: ForecastingConfig,
  ledger: ForecastLedgerPort,
  options: PublishOnceOptions,
): Promise<PublishSummary> {
  const app = await startForecasting(config, ledger, {
    schedule: false,
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.clock && { clock: options.clock }),
  });
  try {
    const caughtUp = await app.service.caughtUp(options.quietMs, options.catchUpTimeoutMs);
    const replay = app.service.progress()!;
    const series = app.service.trainingSeries();
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const outcome = await app.service.publish(!options.all);
    const cpu = process.cpuUsage(cpuBefore);
    const published = [...outcome.demand.published, ...outcome.maintenance.published];
    const considered = new Set([
      ...outcome.demand.published.map((f) => f.values.seriesId),
      ...outcome.demand.skipped.map((s) => s.seriesId),
    ]);
    return {
      replay,
      caughtUp,
      published: published.map((f) => ({
        runId: f.runId,
        seriesId: f.values.seriesId,
        purpose: f.anchor.purpose,
        anchorTxId: f.ledger.txId,
        trainingBlocks: f.anchor.trainingBlocks,
      })),
      skipped: outcome.demand.skipped,
      unchanged: series.map((s) => s.id).filter((id) => !considered.has(id)),
      maintenanceSkipped: outcome.maintenance.skipped,
      scorecard: outcome.scorecard?.overall ?? null,
      runMs: Date.now() - started,
      runCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  } finally {
    await app.close();
  }
}

/** What the service's folder holds, read without a ledger: its checkpoint and what it has published. */
export interface ForecastingStatus {
  /** The checkpoint: the last event the saved history holds; null before the first save. */
  readonly position: SavedLedgerHistory['position'];
  readonly demand: readonly {
    readonly seriesId: string;
    readonly days: number;
    readonly total: number;
    readonly toBlock: string;
  }[];
  /** Machines whose telemetry the history has noted. */
  readonly machines: readonly string[];
  /** The newest published run of every series. */
  readonly latest: readonly {
    readonly seriesId: string;
    readonly runId: string;
    readonly anchorTxId: string;
  }[];
}

/**
 * Reads the service's checkpoint and store (`provena-forecasting status`); safe while the service runs, since
 * both are replaced atomically.
 */
export async function readForecastingStatus(directory: string): Promise<ForecastingStatus> {
  const saved = await readJsonIfExists<SavedLedgerHistory>(join(directory, LEDGER_HISTORY_FILE));
  const series = saved ? new DemandHistory(saved.demand).toSeries() : [];
  const latest = await new ForecastStore(directory).latest();
  return {
    position: saved?.position ?? null,
    demand: series.map((s) => ({
      seriesId: s.id,
      days: s.values.length,
      total: s.values.reduce((a, b) => a + b, 0),
      toBlock: s.toBlock,
    })),
    machines: Object.keys(saved?.telemetry?.devices ?? {}).sort(),
    latest: latest.map((f) => ({ seriesId: f.values.seriesId, runId: f.runId, anchorTxId: f.ledger.txId })),
  };
}
