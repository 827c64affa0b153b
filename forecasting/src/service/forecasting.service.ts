import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { LedgerHistoryListener } from './ledger-history.listener';
import {
  InProcessForecastComputer,
  WorkerForecastComputer,
  type ForecastComputer,
} from './forecast-computer';
import { FORECAST_LEDGER, type ForecastLedgerPort } from './forecast-ledger.port';
import { publishDemandForecasts, type PublishOutcome } from './forecast-publisher';
import { DEFAULT_RUN_SPLIT, EQUIPMENT_CHANNELS } from './equipment-runs';
import { publishMaintenanceFlags, type MaintenanceOutcome } from './maintenance-publisher';
import { networkSpec, type RulCandidate } from '../maintenance/rul-model';

/**
 * Remaining-useful-life candidates for machines on the ledger, where a cycle is an hour: ridge and one network on
 * a day's window. Fewer than C-MAPSS's six: the fleet has tens of failures, not a hundred, and training runs on
 * the gateway's machine.
 */
const FLEET_RUL_CANDIDATES: readonly RulCandidate[] = [
  { name: 'ridge W=24', features: { window: 24 }, members: [{ kind: 'ridge', lambda: 1 }] },
  { name: 'neural-network W=24', features: { window: 24 }, members: [networkSpec(1)] },
];

/** What one forecast run published. */
export interface ForecastRunOutcome {
  readonly demand: PublishOutcome;
  readonly maintenance: MaintenanceOutcome;
}
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
  private listener: LedgerHistoryListener | undefined;
  private following: Promise<void> | undefined;
  private running: Promise<ForecastRunOutcome> | undefined;
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
    this.listener = await LedgerHistoryListener.open(this.ledger, this.config.directory, (m) =>
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
  publish(onlyChanged = false): Promise<ForecastRunOutcome> {
    this.running ??= this.runOnce(onlyChanged).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(onlyChanged: boolean): Promise<ForecastRunOutcome> {
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
      const maintenance = await this.assessMachines();
      return { demand: outcome, maintenance };
    } catch (err) {
      this.logger.error(`forecast run failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async assessMachines(): Promise<MaintenanceOutcome> {
    const telemetry = this.listener!.telemetry;
    await telemetry.fetchNew(this.ledger, this.config.actor, Date.now() + 86_400_000);
    const machines = telemetry.machines(Date.now());
    if (machines.length === 0) return { published: [], skipped: 'no machine telemetry on the ledger' };
    const outcome = await publishMaintenanceFlags(
      machines,
      (units) =>
        this.computer.trainRul(units, {
          channels: EQUIPMENT_CHANNELS,
          capCycles: 96,
          candidates: FLEET_RUL_CANDIDATES,
          folds: 3,
          cutsPerUnit: 3,
          minCutCycles: 12,
        }),
      this.ledger,
      this.store,
      {
        thresholdHours: this.config.maintenanceThresholdHours,
        minFailures: this.config.maintenanceMinFailures,
        split: DEFAULT_RUN_SPLIT,
        actor: this.config.actor,
        log: (m) => this.logger.log(m),
      },
    );
    if (outcome.skipped) this.logger.log(`no maintenance flags: ${outcome.skipped}`);
    return outcome;
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

  get telemetry() {
    return this.listener?.telemetry;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
    await this.following;
    await this.running?.catch(() => undefined);
    await this.computer.close();
  }
}
