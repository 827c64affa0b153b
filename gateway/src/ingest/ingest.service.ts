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
import { wireIngest } from './ingest-wiring';
import type { ReadingIngest } from './reading-ingest';

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
    const { session, pipeline } = wireIngest({
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
