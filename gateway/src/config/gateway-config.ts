import { loadForecastingConfig, type ForecastingConfig } from '@provena/forecasting';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ID_PATTERN } from '@provena/wire';
import { z } from 'zod';
import type { FabricIdentityConfig, FabricLedgerOptions } from '../ledger/fabric-ledger.adapter';

/**
 * Every setting of the gateway, from the environment, validated once at start-up. Defaults are the measured
 * values where a measurement exists (see README "Configuration").
 */
export interface GatewayConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly api: {
    readonly apiKeysFile: string;
    readonly rateLimitPerMinute: number;
    readonly maxPageSize: number;
    readonly forecastDirectory: string;
  };
  readonly mqtt: {
    readonly url: string;
    readonly clientId: string;
    readonly username?: string;
    readonly password?: string;
    /**
     * Subscribe through `$share/<group>/...` so replicas split the load; null (the default) subscribes plainly,
     * which Mosquitto restores after a restart from its store, so no reading published meanwhile is lost.
     */
    readonly shareGroup: string | null;
    readonly sessionExpirySeconds: number;
    readonly keepaliveSeconds: number;
  };
  readonly ingest: {
    /** The organisation whose operator identity records readings. */
    readonly org: string;
    readonly batchSize: number;
    readonly batchWindowMs: number;
    readonly maxConcurrentBatches: number;
    /** Unacknowledged readings at once (MQTT Receive Maximum). */
    readonly maxInFlight: number;
    readonly maxClockAheadMs: number;
    readonly deviceCacheTtlMs: number;
    readonly retryMinDelayMs: number;
    readonly retryMaxDelayMs: number;
  };
  readonly fabric: FabricLedgerOptions;
  /** Where the chaincode-event listener keeps its position. */
  readonly events: { readonly checkpointFile: string };
  /** The forecasting service, run inside the gateway on its ledger connection; null when switched off. */
  readonly forecasting: ForecastingConfig | null;
}

/** Where API keys live unless PROVENA_API_KEYS_FILE says otherwise (the `keys` command uses the same). */
export const DEFAULT_API_KEYS_FILE = '.provena/api-keys.json';

/** A start-up refusal listing every bad or missing setting at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid gateway configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const text = z.string().trim().min(1);
// The wire format's identifiers: MSP ids, client ids and channel names end up in topics and composite keys.
const id = z.string().regex(ID_PATTERN, 'letters, digits and ._:- only, at most 64');

const identitySchema = z.strictObject({
  mspId: id,
  role: z.enum(['admin', 'operator', 'auditor']),
  certPath: text,
  keyPath: text,
});

const envSchema = z.object({
  PROVENA_HTTP_HOST: text.default('127.0.0.1'),
  PROVENA_HTTP_PORT: int(1, 65535, 3000),
  PROVENA_API_KEYS_FILE: text.default(DEFAULT_API_KEYS_FILE),
  PROVENA_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 600),
  PROVENA_MAX_PAGE_SIZE: int(1, 200, 200),
  PROVENA_MQTT_URL: z
    .string()
    .regex(/^mqtt:\/\/[^/]+$/, 'must be mqtt://host:port')
    .default('mqtt://127.0.0.1:1883'),
  PROVENA_MQTT_CLIENT_ID: id.optional(),
  PROVENA_MQTT_USERNAME: text.optional(),
  PROVENA_MQTT_PASSWORD: text.optional(),
  PROVENA_MQTT_SHARE_GROUP: id.optional(),
  PROVENA_MQTT_SESSION_EXPIRY_S: int(60, 4_294_967_295, 7 * 24 * 3600),
  PROVENA_MQTT_KEEPALIVE_S: int(5, 3600, 30),
  PROVENA_INGEST_ORG: id,
  PROVENA_INGEST_BATCH_SIZE: int(1, 500, 200),
  PROVENA_INGEST_BATCH_WINDOW_MS: int(0, 10_000, 50),
  PROVENA_INGEST_MAX_CONCURRENT_BATCHES: int(1, 64, 4),
  PROVENA_INGEST_MAX_IN_FLIGHT: int(1, 65535, 2000),
  PROVENA_INGEST_MAX_CLOCK_AHEAD_MS: int(0, 86_400_000, 300_000),
  PROVENA_DEVICE_CACHE_TTL_MS: int(0, 86_400_000, 60_000),
  PROVENA_INGEST_RETRY_MIN_MS: int(1, 60_000, 200),
  PROVENA_INGEST_RETRY_MAX_MS: int(1, 600_000, 5_000),
  PROVENA_FABRIC_PEER_ENDPOINT: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port'),
  PROVENA_FABRIC_TLS_CA: text,
  PROVENA_FABRIC_PEER_HOST_ALIAS: text.optional(),
  PROVENA_FABRIC_CHANNEL: id.default('provena'),
  PROVENA_FABRIC_CHAINCODE: id.default('provena'),
  PROVENA_FABRIC_IDENTITIES: text,
  PROVENA_FABRIC_EVALUATE_MS: int(100, 600_000, 5_000),
  PROVENA_FABRIC_ENDORSE_MS: int(100, 600_000, 15_000),
  PROVENA_FABRIC_SUBMIT_MS: int(100, 600_000, 5_000),
  PROVENA_FABRIC_COMMIT_STATUS_MS: int(100, 600_000, 60_000),
  PROVENA_FABRIC_CONFLICT_RETRIES: int(0, 10, 3),
  PROVENA_FABRIC_MAX_CONCURRENT_SUBMITS: int(1, 10_000, 64),
  PROVENA_EVENTS_CHECKPOINT_FILE: text.default('.provena/gateway-events.checkpoint.json'),
  PROVENA_FORECASTING: z.enum(['on', 'off']).default('on'),
  PROVENA_FORECAST_DIR: text.default('.provena/forecasts'),
});

/**
 * Builds the gateway's configuration from environment variables.
 * @throws ConfigError naming every missing or invalid variable (values of secrets are never repeated).
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  // Empty variables count as unset, as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0]);
      problems.push(`${variable}: ${present[variable] === undefined ? 'required' : issue.message}`);
    }
  }
  let identities: FabricIdentityConfig[] = [];
  if (parsed.success) {
    const e = parsed.data;
    try {
      identities = z
        .array(identitySchema)
        .min(1)
        .parse(JSON.parse(readFileSync(e.PROVENA_FABRIC_IDENTITIES, 'utf8')));
    } catch (err) {
      problems.push(`PROVENA_FABRIC_IDENTITIES: cannot use ${e.PROVENA_FABRIC_IDENTITIES}: ${describe(err)}`);
    }
    if (
      identities.length > 0 &&
      !identities.some((i) => i.mspId === e.PROVENA_INGEST_ORG && i.role === 'operator')
    ) {
      problems.push(
        `PROVENA_INGEST_ORG: no operator identity of ${e.PROVENA_INGEST_ORG} in PROVENA_FABRIC_IDENTITIES`,
      );
    }
    if (e.PROVENA_INGEST_RETRY_MAX_MS < e.PROVENA_INGEST_RETRY_MIN_MS) {
      problems.push('PROVENA_INGEST_RETRY_MAX_MS: must not be below PROVENA_INGEST_RETRY_MIN_MS');
    }
  }
  let forecasting: ForecastingConfig | null = null;
  if (parsed.success && parsed.data.PROVENA_FORECASTING === 'on') {
    try {
      forecasting = loadForecastingConfig(present, parsed.data.PROVENA_INGEST_ORG);
    } catch (err) {
      problems.push(...(err instanceof Error ? err.message.replace(/^BAD_CONFIG: /, '').split('; ') : []));
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    http: { host: e.PROVENA_HTTP_HOST, port: e.PROVENA_HTTP_PORT },
    api: {
      apiKeysFile: e.PROVENA_API_KEYS_FILE,
      rateLimitPerMinute: e.PROVENA_RATE_LIMIT_PER_MINUTE,
      maxPageSize: e.PROVENA_MAX_PAGE_SIZE,
      forecastDirectory: e.PROVENA_FORECAST_DIR,
    },
    mqtt: {
      url: e.PROVENA_MQTT_URL,
      // Stable per host: the broker keeps this client's session and redelivers what it had not acknowledged.
      clientId: e.PROVENA_MQTT_CLIENT_ID ?? `provena-gateway-${hostname().replace(/[^A-Za-z0-9._:-]/g, '-')}`,
      ...(e.PROVENA_MQTT_USERNAME !== undefined && { username: e.PROVENA_MQTT_USERNAME }),
      ...(e.PROVENA_MQTT_PASSWORD !== undefined && { password: e.PROVENA_MQTT_PASSWORD }),
      shareGroup: e.PROVENA_MQTT_SHARE_GROUP ?? null,
      sessionExpirySeconds: e.PROVENA_MQTT_SESSION_EXPIRY_S,
      keepaliveSeconds: e.PROVENA_MQTT_KEEPALIVE_S,
    },
    ingest: {
      org: e.PROVENA_INGEST_ORG,
      batchSize: e.PROVENA_INGEST_BATCH_SIZE,
      batchWindowMs: e.PROVENA_INGEST_BATCH_WINDOW_MS,
      maxConcurrentBatches: e.PROVENA_INGEST_MAX_CONCURRENT_BATCHES,
      maxInFlight: e.PROVENA_INGEST_MAX_IN_FLIGHT,
      maxClockAheadMs: e.PROVENA_INGEST_MAX_CLOCK_AHEAD_MS,
      deviceCacheTtlMs: e.PROVENA_DEVICE_CACHE_TTL_MS,
      retryMinDelayMs: e.PROVENA_INGEST_RETRY_MIN_MS,
      retryMaxDelayMs: e.PROVENA_INGEST_RETRY_MAX_MS,
    },
    fabric: {
      peerEndpoint: e.PROVENA_FABRIC_PEER_ENDPOINT,
      tlsCaCertPath: e.PROVENA_FABRIC_TLS_CA,
      ...(e.PROVENA_FABRIC_PEER_HOST_ALIAS !== undefined && {
        peerHostAlias: e.PROVENA_FABRIC_PEER_HOST_ALIAS,
      }),
      channel: e.PROVENA_FABRIC_CHANNEL,
      chaincode: e.PROVENA_FABRIC_CHAINCODE,
      identities,
      deadlines: {
        evaluateMs: e.PROVENA_FABRIC_EVALUATE_MS,
        endorseMs: e.PROVENA_FABRIC_ENDORSE_MS,
        submitMs: e.PROVENA_FABRIC_SUBMIT_MS,
        commitStatusMs: e.PROVENA_FABRIC_COMMIT_STATUS_MS,
      },
      conflictRetries: e.PROVENA_FABRIC_CONFLICT_RETRIES,
      maxConcurrentSubmits: e.PROVENA_FABRIC_MAX_CONCURRENT_SUBMITS,
    },
    events: { checkpointFile: e.PROVENA_EVENTS_CHECKPOINT_FILE },
    forecasting,
  };
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    return `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`;
  }
  // Not `instanceof Error`: errors from node:fs may come from another realm (Jest's sandbox, for one).
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
