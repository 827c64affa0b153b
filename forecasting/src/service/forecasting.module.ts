import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { ForecastingConfig } from './forecasting-config';
import {
  FORECASTING_CONFIG,
  FORECASTING_OPTIONS,
  ForecastingService,
  type ForecastingRunOptions,
} from './forecasting.service';

/**
 * The forecasting service as a Nest module. The host provides the ledger (`FORECAST_LEDGER`): the standalone
 * service (`provena-forecasting`, src/main.ts) binds it to a Fabric connection with its own identity.
 */
@Module({})
export class ForecastingModule {
  static forRoot(
    config: ForecastingConfig,
    ledger: Provider,
    options: ForecastingRunOptions = { schedule: true },
  ): DynamicModule {
    return {
      module: ForecastingModule,
      imports: [ScheduleModule.forRoot()],
      providers: [
        { provide: FORECASTING_CONFIG, useValue: config },
        { provide: FORECASTING_OPTIONS, useValue: options },
        ledger,
        ForecastingService,
      ],
      exports: [ForecastingService],
    };
  }
}
