import { Logger, Module, type DynamicModule, type OnModuleInit, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { z } from 'zod';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { API_OPTIONS, checkApiOptions, type ApiOptions } from './api.options';
import { AccessGuard } from './auth/access.guard';
import { ApiKeyStore } from './auth/api-key.store';
import { DevicesModule } from './devices/devices.module';
import { EpcisModule } from './epcis/epcis.module';
import { GatewayExceptionFilter } from './errors/gateway-exception.filter';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  IdempotencyStore,
  type IdempotencyOptions,
} from './idempotency/idempotency.store';
import { PalletsModule } from './pallets/pallets.module';
import { ProvenanceModule } from './provenance/provenance.module';
import {
  DEFAULT_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE,
  FixedWindowRateLimiter,
  UNAUTHENTICATED_RATE_LIMITER,
  UNAUTHENTICATED_RATE_LIMIT_MAX_ADDRESSES,
} from './rate-limit/rate-limiter';
import { ReadingsModule } from './readings/readings.module';
import { ShipmentsModule } from './shipments/shipments.module';
import { ForecastsModule } from './forecasts/forecasts.module';

export { API_OPTIONS, type ApiOptions } from './api.options';

/** A module class or a dynamic module (e.g. `LedgerModule.forRoot(...)`). */
type ModuleImport = Type<unknown> | DynamicModule;

/** The API's options and its limits on abuse, each with a default (the gateway's configuration sets them all). */
export interface ApiModuleOptions extends ApiOptions {
  /**
   * Requests without a valid API key one client address (IPv4, or IPv6 /64) may make per minute; the next are
   * answered 429 RATE_LIMITED. Default {@link DEFAULT_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE}.
   */
  readonly unauthenticatedRateLimitPerMinute?: number;
  /** How long, and for how many keys, writes' answers are kept for `Idempotency-Key` retries (default a day, 10,000). */
  readonly idempotency?: IdempotencyOptions;
}

/** The limits beside {@link ApiOptions}, resolved to their defaults. */
interface EdgeLimits {
  readonly unauthenticatedRateLimitPerMinute: number;
  readonly idempotency: IdempotencyOptions;
}

const EdgeLimitsSchema = z.strictObject({
  unauthenticatedRateLimitPerMinute: z.number().int().min(1),
  idempotency: z.strictObject({ ttlMs: z.number().int().min(1), maxEntries: z.number().int().min(1) }),
});

/**
 * Splits the limits from the options `checkApiOptions` knows, and checks them the same way: at bootstrap.
 * @throws {@link GatewayError} VALIDATION_FAILED naming every bad limit.
 */
function checkEdgeLimits(options: ApiModuleOptions): { api: ApiOptions; limits: EdgeLimits } {
  const { unauthenticatedRateLimitPerMinute, idempotency, ...api } = options;
  const parsed = EdgeLimitsSchema.safeParse({
    unauthenticatedRateLimitPerMinute:
      unauthenticatedRateLimitPerMinute ?? DEFAULT_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE,
    idempotency: idempotency ?? DEFAULT_IDEMPOTENCY_OPTIONS,
  });
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.'));
    throw new GatewayError(
      GatewayErrorCode.ValidationFailed,
      `invalid API options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { fields },
    );
  }
  return { api, limits: parsed.data };
}

/** What the API module needs from the application besides its options. */
export interface ApiModuleDependencies {
  /**
   * A module that exports the `LEDGER` provider. Leave it out when `LEDGER` is bound in a `@Global()` module.
   * Either way there is one ledger connection, shared with ingest: the API never builds its own.
   */
  readonly ledgerModule?: ModuleImport;
}

// What every API feature module injects: the options, the key store, the rate limiters, the idempotency store and
// the ledger. Global so the feature modules need not import it (and cannot end up with a second key store or rate
// limiter).
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

  static forRoot(
    options: ApiOptions,
    limits: EdgeLimits,
    ledgerModule: ModuleImport | undefined,
  ): DynamicModule {
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
        {
          provide: UNAUTHENTICATED_RATE_LIMITER,
          useFactory: () =>
            new FixedWindowRateLimiter({
              limit: limits.unauthenticatedRateLimitPerMinute,
              maxKeys: UNAUTHENTICATED_RATE_LIMIT_MAX_ADDRESSES,
            }),
        },
        { provide: IdempotencyStore, useFactory: () => new IdempotencyStore(limits.idempotency) },
      ],
      exports: [
        API_OPTIONS,
        ApiKeyStore,
        FixedWindowRateLimiter,
        UNAUTHENTICATED_RATE_LIMITER,
        IdempotencyStore,
        ...ledger,
      ],
    };
  }
}

/**
 * The REST API: devices, shipments, readings and provenance, behind API keys. Registers, for the whole
 * application, the access guard (every route needs a key unless marked `@Public()`; rate limits, per key and per
 * client address for requests without a valid key; roles), the idempotency interceptor (`Idempotency-Key` on
 * writes) and the exception filter (every error is `{ code, message, details? }`).
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
  static forRoot(options: ApiModuleOptions, dependencies: ApiModuleDependencies = {}): DynamicModule {
    const { api, limits } = checkEdgeLimits(options);
    const checked = checkApiOptions(api);
    return {
      module: ApiModule,
      imports: [
        ApiCoreModule.forRoot(checked, limits, dependencies.ledgerModule),
        DevicesModule,
        ShipmentsModule,
        PalletsModule,
        ReadingsModule,
        ProvenanceModule,
        ForecastsModule,
        EpcisModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_FILTER, useClass: GatewayExceptionFilter },
      ],
    };
  }
}
