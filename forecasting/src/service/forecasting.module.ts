import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { ForecastingConfig } from './forecasting-config';
import { FORECASTING_CONFIG, ForecastingService } from './forecasting.service';

/**
 * The forecasting service as a Nest module. The host provides the ledger (`FORECAST_LEDGER`): the gateway binds
 * it to its own ledger adapter, so forecasts are anchored with the gateway's connection and identities.
 */
@Module({})
export class ForecastingModule {
  static forRoot(config: ForecastingConfig, ledger: Provider): DynamicModule {
    return {
      module: ForecastingModule,
      imports: [ScheduleModule.forRoot()],
      providers: [{ provide: FORECASTING_CONFIG, useValue: config }, ledger, ForecastingService],
      exports: [ForecastingService],
    };
  }
}
