import { CronTime } from 'cron';
import { ForecastError, ForecastErrorCode } from '../forecast-error';
import type { ForecastActor } from './forecast-ledger.port';

/** Where the service keeps its checkpoint and published forecasts, and where the gateway reads them. */
export const DEFAULT_FORECAST_DIR = '.provena/forecasts';

/** The forecasting service's configuration, validated once at start-up. */
export interface ForecastingConfig {
  /** Where published forecasts and the replayed history live. */
  readonly directory: string;
  /** Full retraining: model selection on every series. */
  readonly retrainCron: string;
  /** Incremental update: only series with new orders since their last published run. */
  readonly updateCron: string;
  readonly horizonDays: number;
  readonly minHistoryDays: number;
  /** Who anchors forecasts on the ledger: the standalone service's own identity (an operator of a member org). */
  readonly actor: ForecastActor;
  /** Flag a machine predicted to fail within this many hours. */
  readonly maintenanceThresholdHours: number;
  /** Run-to-failure histories on the ledger needed before maintenance flags are published. */
  readonly maintenanceMinFailures: number;
}

/**
 * Reads `PROVENA_FORECAST_*` variables; every problem is listed in one error, no value echoed.
 * @throws ForecastError BAD_CONFIG
 */
export function loadForecastingConfig(env: NodeJS.ProcessEnv, defaultOrg: string): ForecastingConfig {
  const problems: string[] = [];
  const cron = (name: string, fallback: string): string => {
    const value = env[name] ?? fallback;
    try {
      new CronTime(value);
    } catch {
      problems.push(`${name}: not a cron expression`);
    }
    return value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`${name}: must be an integer ${min}..${max}`);
    return value;
  };
  const config: ForecastingConfig = {
    directory: env.PROVENA_FORECAST_DIR ?? DEFAULT_FORECAST_DIR,
    retrainCron: cron('PROVENA_FORECAST_RETRAIN_CRON', '0 30 2 * * *'),
    updateCron: cron('PROVENA_FORECAST_UPDATE_CRON', '0 */15 * * * *'),
    horizonDays: int('PROVENA_FORECAST_HORIZON_DAYS', 14, 1, 365),
    minHistoryDays: int('PROVENA_FORECAST_MIN_HISTORY_DAYS', 56, 14, 100_000),
    actor: { org: env.PROVENA_FORECAST_ORG ?? defaultOrg, role: 'operator' },
    maintenanceThresholdHours: int('PROVENA_MAINTENANCE_THRESHOLD_HOURS', 24, 1, 10_000),
    maintenanceMinFailures: int('PROVENA_MAINTENANCE_MIN_FAILURES', 3, 1, 10_000),
  };
  if (config.minHistoryDays < config.horizonDays + 14) {
    problems.push('PROVENA_FORECAST_MIN_HISTORY_DAYS: must be at least the horizon plus two weeks');
  }
  if (problems.length) throw new ForecastError(ForecastErrorCode.BadConfig, problems.join('; '));
  return config;
}
