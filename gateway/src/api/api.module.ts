import { Logger, Module, type DynamicModule, type OnModuleInit, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { API_OPTIONS, checkApiOptions, type ApiOptions } from './api.options';
import { AccessGuard } from './auth/access.guard';
import { ApiKeyStore } from './auth/api-key.store';
import { DevicesModule } from './devices/devices.module';
import { GatewayExceptionFilter } from './errors/gateway-exception.filter';
import { ProvenanceModule } from './provenance/provenance.module';
import { FixedWindowRateLimiter } from './rate-limit/rate-limiter';
import { ReadingsModule } from './readings/readings.module';
import { ShipmentsModule } from './shipments/shipments.module';
import { ForecastsModule } from './forecasts/forecasts.module';

export { API_OPTIONS, type ApiOptions } from './api.options';

/** A module class or a dynamic module (e.g. `LedgerModule.forRoot(...)`). */
type ModuleImport = Type<unknown> | DynamicModule;

/** What the API module needs from the application besides its options. */
export interface ApiModuleDependencies {
  /**
   * A module that exports the `LEDGER` provider. Leave it out when `LEDGER` is bound in a `@Global()` module.
   * Either way there is one ledger connection, shared with ingest: the API never builds its own.
   */
  readonly ledgerModule?: ModuleImport;
}

// What every API feature module injects: the options, the key store, the rate limiter and the ledger. Global so the
// feature modules need not import it (and cannot end up with a second key store or rate limiter).
@Module({})
class ApiCoreModule implements OnModuleInit {
  constructor(private readonly keys: ApiKeyStore) {}

  // Reads the key file once at start-up: a malformed file stops the gateway here, with its path, rather than
  // failing every request; an empty one is legal but worth saying, since every request will then be refused.
  async onModuleInit(): Promise<void> {
    if ((await this.keys.list()).length === 0) {
      new Logger('ApiModule').warn(
        'no API keys yet: every API request will be refused; create one with `provena-gateway keys create`',
      );
    }
  }

  static forRoot(options: ApiOptions, ledgerModule: ModuleImport | undefined): DynamicModule {
    const ledger = ledgerModule === undefined ? [] : [ledgerModule];
    return {
      module: ApiCoreModule,
      global: true,
      imports: ledger,
      providers: [
        { provide: API_OPTIONS, useValue: options },
        { provide: ApiKeyStore, useFactory: () => new ApiKeyStore({ file: options.apiKeysFile }) },
        {
          provide: FixedWindowRateLimiter,
          useFactory: () => new FixedWindowRateLimiter({ limit: options.rateLimitPerMinute }),
        },
      ],
      exports: [API_OPTIONS, ApiKeyStore, FixedWindowRateLimiter, ...ledger],
    };
  }
}

/**
 * The REST API: devices, shipments, readings and provenance, behind API keys. Registers, for the whole
 * application, the access guard (every route needs a key unless marked `@Public()`; rate limit; roles) and the
 * exception filter (every error is `{ code, message, details? }`).
 *
 * `LEDGER` comes from the application: bind it in a `@Global()` module, or pass the module that exports it.
 *
 * @example
 * @Module({ imports: [LedgerModule, ApiModule.forRoot(config.api, { ledgerModule: LedgerModule })] })
 * export class AppModule {}
 * @throws {@link GatewayError} VALIDATION_FAILED for bad options, at bootstrap.
 */
@Module({})
export class ApiModule {
  static forRoot(options: ApiOptions, dependencies: ApiModuleDependencies = {}): DynamicModule {
    const checked = checkApiOptions(options);
    return {
      module: ApiModule,
      imports: [
        ApiCoreModule.forRoot(checked, dependencies.ledgerModule),
        DevicesModule,
        ShipmentsModule,
        ReadingsModule,
        ProvenanceModule,
        ForecastsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: GatewayExceptionFilter },
      ],
    };
  }
}
