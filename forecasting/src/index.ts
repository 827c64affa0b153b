// What the gateway and the CLI import from the forecasting service.
export { ForecastError, ForecastErrorCode } from './forecast-error';
export { ForecastingModule } from './service/forecasting.module';
export { ForecastingService } from './service/forecasting.service';
export { loadForecastingConfig, type ForecastingConfig } from './service/forecasting-config';
export { FORECAST_LEDGER, type ForecastLedgerPort, type ForecastActor } from './service/forecast-ledger.port';
export { ForecastStore } from './service/forecast-store';
export type { ModelCard, PublishedForecast } from './service/published-forecast';
export {
  scoreForecasts,
  type ForecastScorecard,
  type ForecastRunScore,
  type ScoreTotals,
} from './service/forecast-scorecard';
export { selectAndForecast, defaultSelectionOptions } from './evaluation/model-selection';
export {
  startForecasting,
  publishOnce,
  readForecastingStatus,
  type ForecastingApp,
  type ForecastingStatus,
  type PublishSummary,
} from './service/forecasting-app';
export { DEFAULT_FORECAST_DIR } from './service/forecasting-config';
export { FORECASTING_IDENTITY_FILE } from './service/standalone-config';
