import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { LedgerHistoryListener, type ReplayProgress } from './ledger-history.listener';
import {
  InProcessForecastComputer,
  WorkerForecastComputer,
  type ForecastComputer,
} from './forecast-computer';
import { FORECAST_LEDGER, type ForecastLedgerPort, type LastEventPosition } from './forecast-ledger.port';
import { publishDemandForecasts, type PublishOutcome } from './forecast-publisher';
import { DEFAULT_RUN_SPLIT, EQUIPMENT_CHANNELS } from './equipment-runs';
import { totalOrdered, type DemandSeries } from './demand-history';
import { publishMaintenanceFlags, type MaintenanceOutcome } from './maintenance-publisher';
import { scoreForecasts, type ForecastScorecard } from './forecast-scorecard';
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

/** What one forecast run published, and how the published demand forecasts have done so far. */
export interface ForecastRunOutcome {
  readonly demand: PublishOutcome;
  readonly maintenance: MaintenanceOutcome;
  /** Null when it could not be computed (the log says why); the run's forecasts stand regardless. */
  readonly scorecard: ForecastScorecard | null;
}
import { ForecastStore } from './forecast-store';
import type { ForecastingConfig } from './forecasting-config';

export const FORECASTING_CONFIG = Symbol('ForecastingConfig');
export const FORECASTING_OPTIONS = Symbol('ForecastingOptions');

/** How the host runs the service. */
export interface ForecastingRunOptions {
  /**
   * Publish on the configured crons (a long-running service). Off for a one-shot `publish`, which calls
   * {@link ForecastingService.publish} itself and exits.
   */
  readonly schedule: boolean;
  /** The clock (ms since the epoch); tests set it to put "today" inside their order history. */
  readonly clock?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * What a series' training data is, in a few characters: first day, days and total ordered. Orders only add, so any
 * new order on a training day changes it, and an order for today (held back) does not.
 */
function trainingKey(from: string, days: number, total: number | undefined): string {
  return `${from}/${days}/${total}`;
}

/**
 * Follows the ledger's order history and publishes anchored demand forecasts on two crons: a full retrain, and an
 * update for series with new orders. Runs never overlap, and training happens in a worker thread (compiled
 * builds), so the service's event stream and shutdown stay responsive while a model trains.
 */
@Injectable()
export class ForecastingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Forecasting');
  private listener: LedgerHistoryListener | undefined;
  private following: Promise<void> | undefined;
  private running: Promise<ForecastRunOutcome> | undefined;
  private readonly computer: ForecastComputer;
  readonly store: ForecastStore;
  /** The training data of each series' last published run ({@link trainingKey}): the update cron skips those unchanged. */
  private readonly trainedOn = new Map<string, string>();
  private readonly now: () => number;
  private readonly jobs: CronJob[] = [];

  constructor(
    @Inject(FORECASTING_CONFIG) private readonly config: ForecastingConfig,
    @Inject(FORECAST_LEDGER) private readonly ledger: ForecastLedgerPort,
    private readonly scheduler: SchedulerRegistry,
    @Inject(FORECASTING_OPTIONS) private readonly options: ForecastingRunOptions,
  ) {
    this.store = new ForecastStore(config.directory);
    this.now = options.clock ?? Date.now;
    // Under ts-jest there is no compiled worker file; tests compute in process.
    this.computer = __filename.endsWith('.js')
      ? new WorkerForecastComputer()
      : new InProcessForecastComputer();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.listener = await LedgerHistoryListener.open(this.ledger, this.config.directory, (m) =>
      this.logger.warn(m),
    );
    const resumed = this.listener.progress().resumedFrom;
    this.logger.log(
      resumed
        ? `ledger history resumes after block ${resumed.blockNumber} (checkpoint in ${this.config.directory})`
        : 'no ledger history checkpoint: replaying chaincode events from the first block',
    );
    if (await this.store.indexSeries())
      this.logger.log('indexed the published runs by series (a store from before the index)');
    await this.rememberPublished();
    this.following = this.listener.run();
    if (!this.options.schedule) return;
    for (const [name, cron, onlyChanged] of [
      ['forecast-retrain', this.config.retrainCron, false],
      ['forecast-update', this.config.updateCron, true],
    ] as const) {
      const job = CronJob.from({
        cronTime: cron,
        onTick: () => void this.publish(onlyChanged).catch(() => undefined),
      });
      this.scheduler.addCronJob(name, job as never);
      this.jobs.push(job);
      job.start();
    }
  }

  /**
   * What the store already holds names its training data in its model card: after a restart, the update cron
   * retrains only series with orders since, instead of every series once more. (Runs from before the card had a
   * total are retrained once.)
   */
  private async rememberPublished(): Promise<void> {
    try {
      for (const run of await this.store.latest()) {
        const { from, points, total } = run.modelCard.training;
        if (run.anchor.purpose === 'demand')
          this.trainedOn.set(run.values.seriesId, trainingKey(from, points, total));
      }
    } catch (err) {
      // An unreadable store costs one full retrain, not the service.
      this.logger.warn(`published forecasts unreadable, every series will be retrained: ${String(err)}`);
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
    const all = this.trainingSeries();
    const series = onlyChanged ? all.filter((s) => this.trainedOn.get(s.id) !== keyOf(s)) : all;
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
      for (const s of series) this.trainedOn.set(s.id, keyOf(s));
      for (const skip of outcome.skipped) this.logger.log(`not forecast: ${skip.seriesId}: ${skip.reason}`);
      const scorecard = await this.scoreRealised(all);
      const maintenance = await this.assessMachines();
      return { demand: outcome, maintenance, scorecard };
    } catch (err) {
      this.logger.error(`forecast run failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  /**
   * Scores every published demand run against the orders now known for its days and saves the scorecard for the
   * gateway. It reads only the store and the replayed history; a failure costs the scorecard, not the run.
   */
  private async scoreRealised(history: readonly DemandSeries[]): Promise<ForecastScorecard | null> {
    try {
      const scorecard = scoreForecasts(await this.store.runs(), history, new Date(this.now()));
      await this.store.saveScorecard(scorecard);
      const { observed, inside, coverage } = scorecard.overall;
      this.logger.log(
        `scorecard: ${scorecard.overall.runs} runs with known days, ${inside} of ${observed} days inside the ` +
          `${scorecard.level === null ? '' : `${Math.round(scorecard.level * 100)} % `}intervals` +
          (coverage === null ? '' : ` (${(100 * coverage).toFixed(1)} %)`),
      );
      return scorecard;
    } catch (err) {
      this.logger.warn(`scorecard not computed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  /**
   * The demand series as a run trains on them: every complete day, today (UTC) held back while its orders are still
   * coming in, so the last training day is never half a day's orders.
   */
  trainingSeries(): DemandSeries[] {
    return this.listener?.history.toSeries({ completeBefore: Math.floor(this.now() / DAY_MS) }) ?? [];
  }

  private async assessMachines(): Promise<MaintenanceOutcome> {
    const telemetry = this.listener!.telemetry;
    await telemetry.fetchNew(this.ledger, this.config.actor, this.now() + DAY_MS);
    const machines = telemetry.machines(this.now());
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

  /** What the listener has replayed since the service started. */
  progress(): ReplayProgress | undefined {
    return this.listener?.progress();
  }

  /**
   * Waits until the replay from the checkpoint has reached the ledger as it was when asked: the listener has
   * applied the event of the last valid transaction with one (the ledger port names it). A ledger that cannot
   * name it falls back to a quiet stream (no event for `quietMs`). Either way it gives up after `timeoutMs` and
   * the run takes what has arrived; its anchor names the blocks it was trained on. Returns how it decided.
   */
  async caughtUp(quietMs: number, timeoutMs: number): Promise<'position' | 'quiet' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    let target: LastEventPosition | null | undefined;
    try {
      target = await this.ledger.lastEventPosition?.();
    } catch (err) {
      this.logger.warn(
        `cannot ask the ledger for its last event (${String(err)}); waiting for a quiet stream`,
      );
    }
    if (target === null) return 'position';
    while (Date.now() < deadline) {
      const progress = this.listener?.progress();
      if (progress && target !== undefined && reached(this.listener!.appliedUpTo(), target))
        return 'position';
      if (progress && target === undefined && Date.now() - progress.lastEventAt >= quietMs) return 'quiet';
      await new Promise((r) => setTimeout(r, 20));
    }
    return 'timeout';
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
    await Promise.all(this.jobs.map((job) => job.stop()));
    await this.listener?.stop();
    await this.following;
    await this.running?.catch(() => undefined);
    await this.computer.close();
  }
}

/** Whether the follower at `at` has applied the event of `target` (events arrive in block, then block-order). */
function reached(
  at: { readonly blockNumber: string; readonly transactionId: string } | null,
  target: LastEventPosition,
): boolean {
  if (at === null) return false;
  const block = BigInt(at.blockNumber);
  return block > target.blockNumber || (block === target.blockNumber && at.transactionId === target.txId);
}

function keyOf(series: DemandSeries): string {
  return trainingKey(series.start, series.values.length, totalOrdered(series.values));
}
