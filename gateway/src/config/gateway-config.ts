import { loadForecastingConfig, type ForecastingConfig } from '@provena/forecasting';
import { accessSync, constants, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ID_PATTERN, Limits, Topics } from '@provena/wire';
import { z } from 'zod';
import { DEFAULT_READY_CACHE_MS } from '../health/ready-probe';
import { DEFAULT_DEVICE_CACHE_MAX_ENTRIES } from '../ingest/device-keys';
import type {
  FabricIdentityConfig,
  FabricLedgerOptions,
  FabricPeerOptions,
} from '../ledger/fabric-ledger.adapter';

/**
 * Every setting of the gateway, from the environment, validated once at start-up. Defaults are the measured
 * values where a measurement exists (see README "Configuration").
 */
export interface GatewayConfig {
  readonly http: {
    readonly host: string;
    readonly port: number;
    /**
     * How long `/ready` answers from one ledger probe. Optional only so hand-built configurations (tests,
     * benchmarks) compile; the loader always sets it, and so do the other optional settings below.
     */
    readonly readyCacheMs?: number;
  };
  readonly api: {
    readonly apiKeysFile: string;
    readonly rateLimitPerMinute: number;
    readonly maxPageSize: number;
    readonly forecastDirectory: string;
    /** Requests without a valid API key one client address may make per minute. */
    readonly unauthenticatedRateLimitPerMinute?: number;
    /** How long, and for how many keys at most, the answer to a write with an `Idempotency-Key` is replayed. */
    readonly idempotency?: { readonly ttlMs: number; readonly maxEntries: number };
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
    /** MQTT 5 Maximum Packet Size: the broker drops, rather than delivers, any packet for us larger than this. */
    readonly maxPacketBytes?: number;
    /** With an `mqtts://` URL: a PEM file of the CAs the broker's certificate must chain to. */
    readonly caFile?: string;
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
    /** Devices whose keys are cached at most (and as many ids remembered as unknown). */
    readonly deviceCacheMaxEntries?: number;
    readonly retryMinDelayMs: number;
    readonly retryMaxDelayMs: number;
    /**
     * How long a reading may stay unplaced while the ledger takes transactions, before it is dead-lettered and
     * acknowledged. Optional only so hand-built configurations (tests, benchmarks) compile; the loader always
     * sets it and the three below (defaults in `INGEST_DEFAULTS`).
     */
    readonly retryBoundMs?: number;
    /** The dead-letter store's folder. */
    readonly deadLetterDir?: string;
    /** Dead letters at most; beyond it readings stay unacknowledged (the broker keeps them) and an error is logged. */
    readonly deadLetterMaxEntries?: number;
  };
  readonly fabric: FabricLedgerOptions;
  /** Where the chaincode-event listener keeps its position. */
  readonly events: { readonly checkpointFile: string };
  /** The forecasting service, run inside the gateway on its ledger connection; null when switched off. */
  readonly forecasting: ForecastingConfig | null;
}

/** Where API keys live unless PROVENA_API_KEYS_FILE says otherwise (the `keys` command uses the same). */
export const DEFAULT_API_KEYS_FILE = '.provena/api-keys.json';

/**
 * Where the network's scripts (`network/network.sh up`, run by `npm start`) write its connection settings,
 * relative to the working directory; read unless PROVENA_FABRIC_CONNECTION names another file.
 */
export const DEFAULT_FABRIC_CONNECTION_FILE = '.provena/network/connection.json';

/**
 * The largest PUBLISH a valid reading makes, as MQTT 5 frames it without properties: fixed header (1 byte and a
 * 2-byte remaining length), topic (2-byte length and the longest reading topic), packet id (2), an empty property
 * list (1), then the largest envelope the wire format allows. A smaller Maximum Packet Size would lose good
 * readings without a word to their devices.
 */
export const LARGEST_READING_PACKET_BYTES =
  1 + 2 + 2 + Topics.readings('x'.repeat(Limits.maxIdLength)).length + 2 + 1 + Limits.maxEnvelopeBytes;

/**
 * The largest envelope and 1 KiB: about 100 bytes of topic and header, the rest for the MQTT 5 properties a
 * device may set (user properties, content type), which the broker passes on. A slightly oversized reading (the
 * simulator's `oversized` mode) still reaches the edge check and its device is told TOO_LARGE; anything larger is
 * dropped by the broker before it costs the gateway a buffer.
 */
export const DEFAULT_MQTT_MAX_PACKET_BYTES = Limits.maxEnvelopeBytes + 1024;

/** MQTT's own ceiling: a 4-byte remaining length (268,435,455) and the 5 bytes of fixed header. */
const MQTT_LARGEST_PACKET_BYTES = 268_435_460;

/** The variables that, together, connect without a connection file (the single-peer form). */
const EXPLICIT_FABRIC_VARIABLES = [
  'PROVENA_FABRIC_PEER_ENDPOINT',
  'PROVENA_FABRIC_TLS_CA',
  'PROVENA_FABRIC_IDENTITIES',
] as const;

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

const endpoint = z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port');
const absolutePath = text.refine(isAbsolute, 'must be an absolute path');

const identitySchema = (path: z.ZodType<string>) =>
  z.strictObject({
    mspId: id,
    role: z.enum(['admin', 'operator', 'auditor']),
    certPath: path,
    keyPath: path,
  });

/** The connection settings file the network writes after `up` (every path absolute). */
const connectionFileSchema = z.strictObject({
  channel: id,
  chaincode: id,
  organisations: z
    .record(id, z.strictObject({ peerEndpoint: endpoint, peerTlsCaPath: absolutePath }))
    .refine((orgs) => Object.keys(orgs).length > 0, 'lists no organisation'),
  identities: z.array(identitySchema(absolutePath)).min(1),
});

/** The network's connection settings file, as `network/network.sh up` writes it. */
export type FabricConnectionFile = z.infer<typeof connectionFileSchema>;

/** Where the gateway learns its peers and identities: a connection file, or explicit variables that win. */
const fabricSourceSchema = z.object({
  PROVENA_FABRIC_CONNECTION: text.default(DEFAULT_FABRIC_CONNECTION_FILE),
  PROVENA_FABRIC_PEER_ENDPOINT: endpoint.optional(),
  PROVENA_FABRIC_TLS_CA: text.optional(),
  PROVENA_FABRIC_PEER_HOST_ALIAS: text.optional(),
  PROVENA_FABRIC_IDENTITIES: text.optional(),
  PROVENA_FABRIC_CHANNEL: id.optional(),
  PROVENA_FABRIC_CHAINCODE: id.optional(),
});
type FabricSourceEnv = z.infer<typeof fabricSourceSchema>;

const envSchema = z.object({
  PROVENA_HTTP_HOST: text.default('127.0.0.1'),
  PROVENA_HTTP_PORT: int(1, 65535, 3000),
  PROVENA_API_KEYS_FILE: text.default(DEFAULT_API_KEYS_FILE),
  PROVENA_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 600),
  PROVENA_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 60),
  PROVENA_IDEMPOTENCY_TTL_MS: int(1_000, 7 * 86_400_000, 86_400_000),
  PROVENA_IDEMPOTENCY_MAX_KEYS: int(1, 1_000_000, 10_000),
  PROVENA_READY_CACHE_MS: int(0, 60_000, DEFAULT_READY_CACHE_MS),
  PROVENA_MAX_PAGE_SIZE: int(1, 200, 200),
  PROVENA_MQTT_URL: z
    .string()
    .regex(/^mqtts?:\/\/[^/]+$/, 'must be mqtt://host:port or mqtts://host:port')
    .default('mqtt://127.0.0.1:1883'),
  PROVENA_MQTT_CLIENT_ID: id.optional(),
  PROVENA_MQTT_USERNAME: text.optional(),
  PROVENA_MQTT_PASSWORD: text.optional(),
  PROVENA_MQTT_CA_FILE: text.optional(),
  PROVENA_MQTT_SHARE_GROUP: id.optional(),
  PROVENA_MQTT_SESSION_EXPIRY_S: int(60, 4_294_967_295, 7 * 24 * 3600),
  PROVENA_MQTT_KEEPALIVE_S: int(5, 3600, 30),
  PROVENA_MQTT_MAX_PACKET_BYTES: z.coerce
    .number()
    .int()
    .min(
      LARGEST_READING_PACKET_BYTES,
      `must be at least ${LARGEST_READING_PACKET_BYTES}: the largest valid signed reading (${Limits.maxEnvelopeBytes} bytes) on the longest reading topic would never reach the gateway`,
    )
    .max(MQTT_LARGEST_PACKET_BYTES, `must be at most ${MQTT_LARGEST_PACKET_BYTES}, MQTT's own limit`)
    .default(DEFAULT_MQTT_MAX_PACKET_BYTES),
  PROVENA_INGEST_ORG: id,
  PROVENA_INGEST_BATCH_SIZE: int(1, 500, 500),
  PROVENA_INGEST_BATCH_WINDOW_MS: int(0, 10_000, 100),
  PROVENA_INGEST_MAX_CONCURRENT_BATCHES: int(1, 64, 8),
  PROVENA_INGEST_MAX_IN_FLIGHT: int(1, 65535, 4000),
  PROVENA_INGEST_MAX_CLOCK_AHEAD_MS: int(0, 86_400_000, 300_000),
  PROVENA_DEVICE_CACHE_TTL_MS: int(0, 86_400_000, 60_000),
  PROVENA_DEVICE_CACHE_MAX_ENTRIES: int(1, 10_000_000, DEFAULT_DEVICE_CACHE_MAX_ENTRIES),
  PROVENA_INGEST_RETRY_MIN_MS: int(1, 60_000, 200),
  PROVENA_INGEST_RETRY_MAX_MS: int(1, 600_000, 5_000),
  PROVENA_INGEST_RETRY_BOUND_MS: int(1_000, 86_400_000, 300_000),
  PROVENA_DEAD_LETTER_DIR: text.default('.provena/dead-letters'),
  PROVENA_DEAD_LETTER_MAX: int(1, 1_000_000, 10_000),
  PROVENA_FABRIC_EVALUATE_MS: int(100, 600_000, 5_000),
  PROVENA_FABRIC_ENDORSE_MS: int(100, 600_000, 15_000),
  PROVENA_FABRIC_SUBMIT_MS: int(100, 600_000, 5_000),
  PROVENA_FABRIC_COMMIT_STATUS_MS: int(100, 600_000, 60_000),
  PROVENA_FABRIC_CONFLICT_RETRIES: int(0, 10, 3),
  PROVENA_FABRIC_RESEND_MS: int(1_000, 600_000, 10_000),
  PROVENA_FABRIC_MAX_CONCURRENT_SUBMITS: int(1, 10_000, 64),
  PROVENA_FABRIC_KEEPALIVE_MS: z.coerce
    .number()
    .int()
    .min(
      60_000,
      "must be at least 60000: peers refuse pings more often than their peer.keepalive.minInterval (60 s by default) with too_many_pings, which ends the gateway's event streams",
    )
    .max(86_400_000)
    .default(120_000),
  PROVENA_EVENTS_CHECKPOINT_FILE: text.default('.provena/gateway-events.checkpoint.json'),
  // Forecasting runs as its own process (`npm run forecasting`); 'on' trains inside the gateway, for development.
  PROVENA_FORECASTING: z.enum(['on', 'off']).default('off'),
  PROVENA_FORECAST_DIR: text.default('.provena/forecasts'),
});

/**
 * Builds the gateway's configuration from environment variables. Peers and identities come from the network's
 * connection file (PROVENA_FABRIC_CONNECTION, by default {@link DEFAULT_FABRIC_CONNECTION_FILE}); the explicit
 * PROVENA_FABRIC_PEER_ENDPOINT + PROVENA_FABRIC_TLS_CA (one peer for every identity) and
 * PROVENA_FABRIC_IDENTITIES win over it where given.
 * @throws ConfigError naming every missing or invalid variable (values of secrets are never repeated).
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  // Empty variables count as unset, as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const fabricEnv = fabricSourceSchema.safeParse(present);
  const problems: string[] = [];
  for (const result of [parsed, fabricEnv]) {
    if (result.success) continue;
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0]);
      problems.push(`${variable}: ${present[variable] === undefined ? 'required' : issue.message}`);
    }
  }
  // Read even when other variables are bad, so that one start lists every problem.
  const fabric = fabricEnv.success ? readFabricSource(fabricEnv.data, problems) : undefined;
  if (parsed.success) {
    const e = parsed.data;
    if (fabric && !fabric.identities.some((i) => i.mspId === e.PROVENA_INGEST_ORG && i.role === 'operator')) {
      problems.push(
        `PROVENA_INGEST_ORG: no operator identity of ${e.PROVENA_INGEST_ORG} in ${fabric.identitiesFrom}`,
      );
    }
    if (e.PROVENA_INGEST_RETRY_MAX_MS < e.PROVENA_INGEST_RETRY_MIN_MS) {
      problems.push('PROVENA_INGEST_RETRY_MAX_MS: must not be below PROVENA_INGEST_RETRY_MIN_MS');
    }
    if (e.PROVENA_MQTT_CA_FILE !== undefined) {
      if (!e.PROVENA_MQTT_URL.startsWith('mqtts://')) {
        problems.push('PROVENA_MQTT_CA_FILE: only used with an mqtts:// PROVENA_MQTT_URL');
      } else {
        try {
          accessSync(e.PROVENA_MQTT_CA_FILE, constants.R_OK);
        } catch (err) {
          problems.push(`PROVENA_MQTT_CA_FILE: cannot read ${e.PROVENA_MQTT_CA_FILE} (${errorCode(err)})`);
        }
      }
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
  if (problems.length > 0 || !parsed.success || !fabric) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    http: { host: e.PROVENA_HTTP_HOST, port: e.PROVENA_HTTP_PORT, readyCacheMs: e.PROVENA_READY_CACHE_MS },
    api: {
      apiKeysFile: e.PROVENA_API_KEYS_FILE,
      rateLimitPerMinute: e.PROVENA_RATE_LIMIT_PER_MINUTE,
      maxPageSize: e.PROVENA_MAX_PAGE_SIZE,
      forecastDirectory: e.PROVENA_FORECAST_DIR,
      unauthenticatedRateLimitPerMinute: e.PROVENA_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE,
      idempotency: { ttlMs: e.PROVENA_IDEMPOTENCY_TTL_MS, maxEntries: e.PROVENA_IDEMPOTENCY_MAX_KEYS },
    },
    mqtt: {
      url: e.PROVENA_MQTT_URL,
      // Stable per host: the broker keeps this client's session and redelivers what it had not acknowledged.
      clientId: e.PROVENA_MQTT_CLIENT_ID ?? `provena-gateway-${hostname().replace(/[^A-Za-z0-9._:-]/g, '-')}`,
      ...(e.PROVENA_MQTT_USERNAME !== undefined && { username: e.PROVENA_MQTT_USERNAME }),
      ...(e.PROVENA_MQTT_PASSWORD !== undefined && { password: e.PROVENA_MQTT_PASSWORD }),
      ...(e.PROVENA_MQTT_CA_FILE !== undefined && { caFile: e.PROVENA_MQTT_CA_FILE }),
      shareGroup: e.PROVENA_MQTT_SHARE_GROUP ?? null,
      sessionExpirySeconds: e.PROVENA_MQTT_SESSION_EXPIRY_S,
      keepaliveSeconds: e.PROVENA_MQTT_KEEPALIVE_S,
      maxPacketBytes: e.PROVENA_MQTT_MAX_PACKET_BYTES,
    },
    ingest: {
      org: e.PROVENA_INGEST_ORG,
      batchSize: e.PROVENA_INGEST_BATCH_SIZE,
      batchWindowMs: e.PROVENA_INGEST_BATCH_WINDOW_MS,
      maxConcurrentBatches: e.PROVENA_INGEST_MAX_CONCURRENT_BATCHES,
      maxInFlight: e.PROVENA_INGEST_MAX_IN_FLIGHT,
      maxClockAheadMs: e.PROVENA_INGEST_MAX_CLOCK_AHEAD_MS,
      deviceCacheTtlMs: e.PROVENA_DEVICE_CACHE_TTL_MS,
      deviceCacheMaxEntries: e.PROVENA_DEVICE_CACHE_MAX_ENTRIES,
      retryMinDelayMs: e.PROVENA_INGEST_RETRY_MIN_MS,
      retryMaxDelayMs: e.PROVENA_INGEST_RETRY_MAX_MS,
      retryBoundMs: e.PROVENA_INGEST_RETRY_BOUND_MS,
      deadLetterDir: e.PROVENA_DEAD_LETTER_DIR,
      deadLetterMaxEntries: e.PROVENA_DEAD_LETTER_MAX,
    },
    fabric: {
      peers: fabric.peers,
      homeOrg: e.PROVENA_INGEST_ORG,
      channel: fabric.channel,
      chaincode: fabric.chaincode,
      identities: fabric.identities,
      deadlines: {
        evaluateMs: e.PROVENA_FABRIC_EVALUATE_MS,
        endorseMs: e.PROVENA_FABRIC_ENDORSE_MS,
        submitMs: e.PROVENA_FABRIC_SUBMIT_MS,
        commitStatusMs: e.PROVENA_FABRIC_COMMIT_STATUS_MS,
      },
      conflictRetries: e.PROVENA_FABRIC_CONFLICT_RETRIES,
      resendAfterMs: e.PROVENA_FABRIC_RESEND_MS,
      maxConcurrentSubmits: e.PROVENA_FABRIC_MAX_CONCURRENT_SUBMITS,
      keepaliveMs: e.PROVENA_FABRIC_KEEPALIVE_MS,
      personsFile: personsFileFrom(present),
    },
    events: { checkpointFile: e.PROVENA_EVENTS_CHECKPOINT_FILE },
    forecasting,
  };
}

/** Peers, identities, channel and chaincode, wherever they came from. */
interface FabricSource {
  readonly peers: Record<string, FabricPeerOptions>;
  readonly identities: FabricIdentityConfig[];
  /** The variable the identities came from, for messages. */
  readonly identitiesFrom: string;
  readonly channel: string;
  readonly chaincode: string;
}

/** Undefined, with `problems` extended, when the settings are unusable. */
function readFabricSource(e: FabricSourceEnv, problems: string[]): FabricSource | undefined {
  const before = problems.length;
  const endpointGiven = e.PROVENA_FABRIC_PEER_ENDPOINT !== undefined;
  const tlsCaGiven = e.PROVENA_FABRIC_TLS_CA !== undefined;
  if (endpointGiven && !tlsCaGiven) {
    problems.push('PROVENA_FABRIC_TLS_CA: required with PROVENA_FABRIC_PEER_ENDPOINT');
  } else if (tlsCaGiven && !endpointGiven) {
    problems.push('PROVENA_FABRIC_PEER_ENDPOINT: required with PROVENA_FABRIC_TLS_CA');
  } else if (!endpointGiven && e.PROVENA_FABRIC_PEER_HOST_ALIAS !== undefined) {
    problems.push('PROVENA_FABRIC_PEER_HOST_ALIAS: applies only with PROVENA_FABRIC_PEER_ENDPOINT');
  }
  const explicitIdentities =
    e.PROVENA_FABRIC_IDENTITIES === undefined
      ? undefined
      : readIdentitiesFile(e.PROVENA_FABRIC_IDENTITIES, problems);
  // The file is read only for what the explicit variables leave open.
  const missing = EXPLICIT_FABRIC_VARIABLES.filter((variable) => e[variable] === undefined);
  const file =
    (endpointGiven || tlsCaGiven) && e.PROVENA_FABRIC_IDENTITIES !== undefined
      ? undefined
      : readConnectionFile(e.PROVENA_FABRIC_CONNECTION, missing, problems);
  if (problems.length > before) return undefined;

  const fileLabel = `PROVENA_FABRIC_CONNECTION (${e.PROVENA_FABRIC_CONNECTION})`;
  const identities = explicitIdentities ?? file?.identities ?? [];
  const identitiesFrom = explicitIdentities ? 'PROVENA_FABRIC_IDENTITIES' : fileLabel;
  const orgs = [...new Set(identities.map((identity) => identity.mspId))];
  let peers: Record<string, FabricPeerOptions>;
  if (e.PROVENA_FABRIC_PEER_ENDPOINT !== undefined && e.PROVENA_FABRIC_TLS_CA !== undefined) {
    // The single-peer form: every identity on the one peer named.
    const peer: FabricPeerOptions = {
      endpoint: e.PROVENA_FABRIC_PEER_ENDPOINT,
      tlsCaCertPath: e.PROVENA_FABRIC_TLS_CA,
      ...(e.PROVENA_FABRIC_PEER_HOST_ALIAS !== undefined && { hostAlias: e.PROVENA_FABRIC_PEER_HOST_ALIAS }),
    };
    peers = Object.fromEntries(orgs.map((org) => [org, peer]));
  } else {
    // Each organisation's own peer; an identity whose organisation has none would have to trust another's.
    const organisations = file?.organisations ?? {};
    peers = Object.fromEntries(
      Object.entries(organisations).map(([org, o]) => [
        org,
        { endpoint: o.peerEndpoint, tlsCaCertPath: o.peerTlsCaPath },
      ]),
    );
    for (const org of orgs) {
      if (!(org in peers)) {
        problems.push(
          `PROVENA_FABRIC_CONNECTION: ${e.PROVENA_FABRIC_CONNECTION} lists no peer of ${org}, whose identities ${identitiesFrom === fileLabel ? 'it lists' : 'PROVENA_FABRIC_IDENTITIES names'}`,
        );
      }
    }
  }
  if (problems.length > before) return undefined;
  return {
    peers,
    identities,
    identitiesFrom,
    channel: e.PROVENA_FABRIC_CHANNEL ?? file?.channel ?? 'provena',
    chaincode: e.PROVENA_FABRIC_CHAINCODE ?? file?.chaincode ?? 'provena',
  };
}

function readIdentitiesFile(file: string, problems: string[]): FabricIdentityConfig[] | undefined {
  try {
    return z
      .array(identitySchema(text))
      .min(1)
      .parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    problems.push(`PROVENA_FABRIC_IDENTITIES: cannot use ${file}: ${describe(err)}`);
    return undefined;
  }
}

/**
 * The network's connection file, checked field by field (every problem listed) and for readable files behind
 * its paths; undefined, with `problems` extended, when unusable. `missing` are the explicit variables not given.
 */
function readConnectionFile(
  file: string,
  missing: readonly string[],
  problems: string[],
): FabricConnectionFile | undefined {
  const prefix = `PROVENA_FABRIC_CONNECTION: ${file}`;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(
      `${prefix} cannot be read (${errorCode(err)}): \`network/network.sh up\` (which \`npm start\` runs) writes it; ` +
        `or set ${missing.join(', ')} instead`,
    );
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    // Not the parser's message: it may quote the file's content, and a wrong path may name a key file.
    problems.push(`${prefix} is not valid JSON`);
    return undefined;
  }
  const parsed = connectionFileSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${prefix}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    }
    return undefined;
  }
  const before = problems.length;
  const paths: [string, string][] = [
    ...Object.entries(parsed.data.organisations).map(([org, o]): [string, string] => [
      `organisations.${org}.peerTlsCaPath`,
      o.peerTlsCaPath,
    ]),
    ...parsed.data.identities.flatMap((identity, i): [string, string][] => [
      [`identities.${i}.certPath`, identity.certPath],
      [`identities.${i}.keyPath`, identity.keyPath],
    ]),
  ];
  for (const [field, path] of paths) {
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      problems.push(`${prefix}: ${field}: cannot read ${path} (${errorCode(err)})`);
    }
  }
  return problems.length > before ? undefined : parsed.data;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : describe(err);
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    return `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`;
  }
  // Not the parser's message: it may quote the file's content.
  if ((err as { name?: unknown } | null)?.name === 'SyntaxError') return 'not valid JSON';
  // Not `instanceof Error`: errors from node:fs may come from another realm (Jest's sandbox, for one).
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/**
 * The network's persons file (staff enrolled with their organisation's Fabric CA): PROVENA_FABRIC_PERSONS, else
 * `persons.json` beside the connection file, where `network.sh person enroll` writes it. Read when a key names a
 * person, so persons enrolled after the gateway started need no restart.
 */
export function personsFileFrom(env: NodeJS.ProcessEnv): string {
  if (env.PROVENA_FABRIC_PERSONS) return env.PROVENA_FABRIC_PERSONS;
  return join(dirname(env.PROVENA_FABRIC_CONNECTION || DEFAULT_FABRIC_CONNECTION_FILE), 'persons.json');
}
