import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { DemandHistoryListener } from './demand-history.listener';
import {
  InProcessForecastComputer,
  WorkerForecastComputer,
  type ForecastComputer,
} from './forecast-computer';
import { FORECAST_LEDGER, type ForecastLedgerPort } from './forecast-ledger.port';
import { publishDemandForecasts, type PublishOutcome } from './forecast-publisher';
import { ForecastStore } from './forecast-store';
import type { ForecastingConfig } from './forecasting-config';

export const FORECASTING_CONFIG = Symbol('ForecastingConfig');

/**
 * Follows the ledger's order history and publishes anchored demand forecasts on two crons: a full retrain, and an
 * update for series with new orders. Runs never overlap, and training happens in a worker thread (compiled
 * builds), so the gateway's API and ingest keep their event loop.
 */
@Injectable()
export class ForecastingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Forecasting');
  private listener: DemandHistoryListener | undefined;
  private following: Promise<void> | undefined;
  private running: Promise<PublishOutcome> | undefined;
  private readonly computer: ForecastComputer;
  readonly store: ForecastStore;
  /** The block each series' last published run was trained up to: the update cron skips unchanged series. */
  private readonly trainedUpTo = new Map<string, string>();

  constructor(
    @Inject(FORECASTING_CONFIG) private readonly config: ForecastingConfig,
    @Inject(FORECAST_LEDGER) private readonly ledger: ForecastLedgerPort,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.store = new ForecastStore(config.directory);
    // Under ts-jest there is no compiled worker file; tests compute in process.
    this.computer = __filename.endsWith('.js')
      ? new WorkerForecastComputer()
      : new InProcessForecastComputer();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.listener = await DemandHistoryListener.open(this.ledger, this.config.directory, (m) =>
      this.logger.warn(m),
    );
    this.following = this.listener.run();
    for (const [name, cron, onlyChanged] of [
      ['forecast-retrain', this.config.retrainCron, false],
      ['forecast-update', this.config.updateCron, true],
    ] as const) {
      const job = CronJob.from({
        cronTime: cron,
        onTick: () => void this.publish(onlyChanged).catch(() => undefined),
      });
      this.scheduler.addCronJob(name, job as never);
      job.start();
    }
  }

  /**
   * Publishes forecasts now (the crons call this); a call while a run is under way joins that run.
   * @param onlyChanged only series with orders in blocks after their last published run.
   */
  publish(onlyChanged = false): Promise<PublishOutcome> {
    this.running ??= this.runOnce(onlyChanged).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(onlyChanged: boolean): Promise<PublishOutcome> {
    const all = this.listener?.history.toSeries() ?? [];
    const series = onlyChanged ? all.filter((s) => this.trainedUpTo.get(s.id) !== s.toBlock) : all;
    this.logger.log(
      `forecast run: ${series.length} of ${all.length} series${onlyChanged ? ' with new orders' : ''}`,
    );
    try {
      const outcome = await publishDemandForecasts(series, this.ledger, this.store, this.computer, {
        horizon: this.config.horizonDays,
        minHistory: this.config.minHistoryDays,
        actor: this.config.actor,
        log: (m) => this.logger.log(m),
      });
      for (const s of series) this.trainedUpTo.set(s.id, s.toBlock);
      for (const skip of outcome.skipped) this.logger.log(`not forecast: ${skip.seriesId}: ${skip.reason}`);
      return outcome;
    } catch (err) {
      this.logger.error(`forecast run failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /** Waits until the replayed history holds every event up to `blockNumber` (tests and the demo use it). */
  async historyUpTo(check: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('ledger history did not catch up in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get history() {
    return this.listener?.history;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
    await this.following;
    await this.running?.catch(() => undefined);
    await this.computer.close();
  }
}
