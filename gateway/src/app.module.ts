import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { DeadLettersController } from './api/dead-letters/dead-letters.controller';
import { DeadLettersService } from './api/dead-letters/dead-letters.service';
import { GATEWAY_CONFIG } from './config/config.token';
import { DashboardModule } from './dashboard/dashboard.module';
import type { GatewayConfig } from './config/gateway-config';
import { EventsController } from './events/events.controller';
import { LedgerEventsService } from './events/ledger-events.service';
import { HealthController } from './health/health.controller';
import { IngestService } from './ingest/ingest.service';
import { LEDGER, type LedgerPort } from './ledger/ledger.port';
import { GatewayMetrics } from './observability/gateway-metrics';
import { FORECAST_LEDGER, ForecastingModule } from '@provena/forecasting';

// The configuration, the one ledger connection and the metrics registry, shared by ingest, the API and health.
@Global()
@Module({})
class CoreModule {
  static forRoot(config: GatewayConfig, ledger: LedgerPort): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LEDGER, useValue: ledger },
        {
          provide: GatewayMetrics,
          useFactory: (): GatewayMetrics => {
            const metrics = new GatewayMetrics();
            metrics.trackTransactionsResent(() => ledger.transactionsResent?.() ?? 0);
            return metrics;
          },
        },
      ],
      exports: [GATEWAY_CONFIG, LEDGER, GatewayMetrics],
    };
  }
}

/**
 * The gateway: MQTT ingest, the REST API, health and metrics over one ledger adapter. The adapter is passed in
 * (Fabric in production, the in-memory test double in tests), so nothing here knows which it is.
 */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, ledger: LedgerPort): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, ledger),
        ApiModule.forRoot(config.api),
        DashboardModule.forRoot(),
        // Forecasts are trained and anchored by the forecasting service, its own process with its own identity; the
        // API serves what it published (ForecastsService). In process only on request (PROVENA_FORECASTING=on).
        ...(config.forecasting
          ? [ForecastingModule.forRoot(config.forecasting, { provide: FORECAST_LEDGER, useValue: ledger })]
          : []),
      ],
      // The dead-letter admin routes sit here, beside ingest, because they act on this app's IngestService.
      controllers: [HealthController, EventsController, DeadLettersController],
      providers: [IngestService, LedgerEventsService, DeadLettersService],
    };
  }
}
