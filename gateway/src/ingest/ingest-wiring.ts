import { readFileSync } from 'node:fs';
import { Topics, type ReadingReceipt, type RejectionNotice } from '@provena/wire';
import { MqttSession } from '../broker/mqtt-session';
import { DEFAULT_MQTT_MAX_PACKET_BYTES, type GatewayConfig } from '../config/gateway-config';
import type { LedgerPort } from '../ledger/ledger.port';
import { redriveDeadLetters, type RedriveResult } from './dead-letter-redrive';
import { newFileDeadLetterStore, type DeadLetter, type DeadLetterStore } from './dead-letter.store';
import { DeviceKeyDirectory, isDeviceKeyMetrics } from './device-keys';
import { ReadingIngest, type IngestLog, type IngestMetrics } from './reading-ingest';

export interface IngestWiringOptions {
  readonly ledger: LedgerPort;
  readonly mqtt: GatewayConfig['mqtt'];
  readonly ingest: GatewayConfig['ingest'];
  readonly metrics: IngestMetrics;
  readonly log: IngestLog;
  /** Told of every refusal besides the device (tests collect them). */
  readonly onRejection?: (notice: RejectionNotice) => void;
  /** Told of every receipt besides the device. */
  readonly onReceipt?: (receipt: ReadingReceipt) => void;
  readonly onStateChange?: (connected: boolean, reason?: string) => void;
  /** Reconnect backoff; the app's default is 100 ms doubling to 10 s. */
  readonly reconnect?: { readonly minMs: number; readonly maxMs: number };
  /** The dead-letter store; by default the file store the ingest settings name. */
  readonly deadLetters?: DeadLetterStore;
}

/** Defaults of the settings a hand-built configuration (tests, benchmarks) may leave out; see gateway-config.ts. */
export const INGEST_DEFAULTS = {
  retryBoundMs: 300_000,
  deadLetterDir: '.provena/dead-letters',
  deadLetterMaxEntries: 10_000,
} as const;

/** What {@link wireIngest} builds. */
export interface IngestWiring {
  readonly session: MqttSession;
  readonly pipeline: ReadingIngest;
  readonly deadLetters: DeadLetterStore;
  /** Submits dead letters again through RecordReadings; see `redriveDeadLetters`. */
  readonly redrive: (entries: readonly DeadLetter[]) => Promise<RedriveResult>;
}

/** How long "no such device" is remembered, so a flood from an unknown id costs one ledger query a second. */
const UNKNOWN_DEVICE_TTL_MS = 1000;

/**
 * Builds the ingest path from the gateway's settings: the broker session, the pipeline behind it, and rejection
 * notices published back through the session. One place for the app, its tests and the benchmark, so they run
 * the same wiring.
 */
export function wireIngest(options: IngestWiringOptions): IngestWiring {
  const { ledger, mqtt, ingest } = options;
  const actor = { org: ingest.org, role: 'operator' } as const;
  const deadLetters =
    options.deadLetters ??
    newFileDeadLetterStore({
      directory: ingest.deadLetterDir ?? INGEST_DEFAULTS.deadLetterDir,
      maxEntries: ingest.deadLetterMaxEntries ?? INGEST_DEFAULTS.deadLetterMaxEntries,
    });
  const notify = (notice: RejectionNotice): void => {
    options.onRejection?.(notice);
    session.publish(Topics.rejections(notice.deviceId), JSON.stringify(notice));
  };
  // QoS 0 like notices: a lost receipt costs the device one resend, which the chaincode answers as a duplicate
  // and which earns a receipt of its own.
  const receipt = (r: ReadingReceipt): void => {
    options.onReceipt?.(r);
    session.publish(Topics.receipts(r.deviceId), JSON.stringify(r));
  };
  const pipeline: ReadingIngest = new ReadingIngest({
    ledger,
    actor,
    devices: new DeviceKeyDirectory({
      ledger,
      actor,
      ttlMs: ingest.deviceCacheTtlMs,
      unknownTtlMs: UNKNOWN_DEVICE_TTL_MS,
      ...(ingest.deviceCacheMaxEntries !== undefined && { maxEntries: ingest.deviceCacheMaxEntries }),
      now: Date.now,
      ...(isDeviceKeyMetrics(options.metrics) && { metrics: options.metrics }),
    }),
    notify,
    receipt,
    metrics: options.metrics,
    log: options.log,
    now: Date.now,
    maxClockAheadMs: ingest.maxClockAheadMs,
    batch: {
      maxSize: ingest.batchSize,
      windowMs: ingest.batchWindowMs,
      maxConcurrent: ingest.maxConcurrentBatches,
    },
    retry: {
      minDelayMs: ingest.retryMinDelayMs,
      maxDelayMs: ingest.retryMaxDelayMs,
      boundMs: ingest.retryBoundMs ?? INGEST_DEFAULTS.retryBoundMs,
    },
    deadLetters,
  });
  // Built after the pipeline that publishes through it: notices only flow once messages do.
  const session: MqttSession = new MqttSession({
    url: mqtt.url,
    clientId: mqtt.clientId,
    ...(mqtt.username !== undefined && { username: mqtt.username }),
    ...(mqtt.password !== undefined && { password: mqtt.password }),
    ...(mqtt.caFile !== undefined && { ca: readFileSync(mqtt.caFile) }),
    subscription: mqtt.shareGroup === null ? Topics.allReadings() : Topics.sharedReadings(mqtt.shareGroup),
    sessionExpirySeconds: mqtt.sessionExpirySeconds,
    receiveMaximum: ingest.maxInFlight,
    maximumPacketSize: mqtt.maxPacketBytes ?? DEFAULT_MQTT_MAX_PACKET_BYTES,
    keepaliveSeconds: mqtt.keepaliveSeconds,
    reconnectMinMs: options.reconnect?.minMs ?? 100,
    reconnectMaxMs: options.reconnect?.maxMs ?? 10_000,
    onMessage: (message) => pipeline.accept(message),
    ...(options.onStateChange && { onStateChange: options.onStateChange }),
  });
  const redrive = (entries: readonly DeadLetter[]): Promise<RedriveResult> =>
    redriveDeadLetters(
      { ledger, actor, store: deadLetters, notify, receipt, now: Date.now, batchSize: ingest.batchSize },
      entries,
    );
  return { session, pipeline, deadLetters, redrive };
}
