import { Module } from '@nestjs/common';
import { ForecastsController, MaintenanceFlagsController } from './forecasts.controller';
import { ForecastsService } from './forecasts.service';

/** Forecast routes. Needs LEDGER and API_OPTIONS, which the API module makes visible. */
@Module({ controllers: [ForecastsController, MaintenanceFlagsController], providers: [ForecastsService] })
export class ForecastsModule {}
