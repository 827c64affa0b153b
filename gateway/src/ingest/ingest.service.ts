import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Topics } from '@provena/wire';
import { MqttSession } from '../broker/mqtt-session';
import { GATEWAY_CONFIG } from '../config/config.token';
import type { GatewayConfig } from '../config/gateway-config';
import { LEDGER, type LedgerPort } from '../ledger/ledger.port';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { DeviceKeyDirectory } from './device-keys';
import { ReadingIngest } from './reading-ingest';

/** Wires the broker session to the ingest pipeline for the app's lifetime. */
@Injectable()
export class IngestService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #log = new Logger('Ingest');
  readonly session: MqttSession;
  readonly pipeline: ReadingIngest;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LEDGER) ledger: LedgerPort,
    metrics: GatewayMetrics,
  ) {
    const actor = { org: config.ingest.org, role: 'operator' } as const;
    const log = {
      warn: (message: string, fields?: Record<string, unknown>) => this.#log.warn({ message, ...fields }),
      error: (message: string, fields?: Record<string, unknown>) => this.#log.error({ message, ...fields }),
    };
    this.pipeline = new ReadingIngest({
      ledger,
      actor,
      devices: new DeviceKeyDirectory({
        ledger,
        actor,
        ttlMs: config.ingest.deviceCacheTtlMs,
        unknownTtlMs: 1000,
        now: Date.now,
      }),
      notify: (notice) => this.session.publish(Topics.rejections(notice.deviceId), JSON.stringify(notice)),
      metrics,
      log,
      now: Date.now,
      maxClockAheadMs: config.ingest.maxClockAheadMs,
      batch: {
        maxSize: config.ingest.batchSize,
        windowMs: config.ingest.batchWindowMs,
        maxConcurrent: config.ingest.maxConcurrentBatches,
      },
      retry: { minDelayMs: config.ingest.retryMinDelayMs, maxDelayMs: config.ingest.retryMaxDelayMs },
    });
    this.session = new MqttSession({
      url: config.mqtt.url,
      clientId: config.mqtt.clientId,
      ...(config.mqtt.username !== undefined && { username: config.mqtt.username }),
      ...(config.mqtt.password !== undefined && { password: config.mqtt.password }),
      subscription: Topics.sharedReadings(config.mqtt.shareGroup),
      sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
      receiveMaximum: config.ingest.maxInFlight,
      keepaliveSeconds: config.mqtt.keepaliveSeconds,
      reconnectMinMs: 100,
      reconnectMaxMs: 10_000,
      onMessage: (message) => this.pipeline.accept(message),
      onStateChange: (connected, reason) =>
        connected
          ? this.#log.log('connected to the broker')
          : this.#log.warn(`broker connection lost: ${reason}`),
    });
    metrics.trackInFlight(() => this.pipeline.inFlight);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Not awaited: the API serves (and /ready says "broker down") while the session keeps trying.
    void this.session.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.stop();
    await this.session.stop();
  }
}
