import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { MqttSession } from '../broker/mqtt-session';
import { GATEWAY_CONFIG } from '../config/config.token';
import type { GatewayConfig } from '../config/gateway-config';
import { LEDGER, type LedgerPort } from '../ledger/ledger.port';
import { GatewayMetrics } from '../observability/gateway-metrics';
import type { RedriveResult } from './dead-letter-redrive';
import type { DeadLetter, DeadLetterStore } from './dead-letter.store';
import { wireIngest } from './ingest-wiring';
import type { ReadingIngest } from './reading-ingest';

/** Wires the broker session to the ingest pipeline for the app's lifetime. */
@Injectable()
export class IngestService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #log = new Logger('Ingest');
  readonly session: MqttSession;
  readonly pipeline: ReadingIngest;
  /** Readings ingest could not place within its bound (admin API: `/admin/dead-letters`). */
  readonly deadLetters: DeadLetterStore;
  readonly #redrive: (entries: readonly DeadLetter[]) => Promise<RedriveResult>;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LEDGER) ledger: LedgerPort,
    metrics: GatewayMetrics,
  ) {
    const { session, pipeline, deadLetters, redrive } = wireIngest({
      ledger,
      mqtt: config.mqtt,
      ingest: config.ingest,
      metrics,
      log: {
        warn: (message, fields) => this.#log.warn({ message, ...fields }),
        error: (message, fields) => this.#log.error({ message, ...fields }),
      },
      onStateChange: (connected, reason) =>
        connected
          ? this.#log.log('connected to the broker')
          : this.#log.warn(`broker connection lost: ${reason}`),
    });
    this.session = session;
    this.pipeline = pipeline;
    this.deadLetters = deadLetters;
    this.#redrive = redrive;
    metrics.trackInFlight(() => this.pipeline.inFlight);
    metrics.trackOldestUnacknowledged(() => this.pipeline.oldestUnacknowledgedAgeMs);
    metrics.trackDeadLetters(() => this.deadLetters.size);
  }

  /** Submits dead letters again through RecordReadings; placed or refused ones leave the store. */
  redrive(entries: readonly DeadLetter[]): Promise<RedriveResult> {
    return this.#redrive(entries);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A dead-letter file that cannot be read stops the start here, naming the file, rather than at the first failure.
    await this.deadLetters.ready();
    const held = this.deadLetters.size;
    if (held > 0) this.#log.warn(`${held} dead-lettered readings wait for an admin: GET /admin/dead-letters`);
    // Not awaited: the API serves (and /ready says "broker down") while the session keeps trying.
    void this.session.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.stop();
    await this.session.stop();
  }
}
