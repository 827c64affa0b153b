import mqtt, { type MqttClient } from 'mqtt';
import type { RejectionNotice } from '@provena/wire';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestBroker } from '../../test/support/mosquitto.harness';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module';
import type { GatewayConfig } from '../src/config/gateway-config';
import { wireIngest } from '../src/ingest/ingest-wiring';
import type { LedgerPort } from '../src/ledger/ledger.port';
import { LEDGER_PATIENCE_MS } from './ledger-under-test';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

/**
 * A whole gateway configuration for tests on a real broker. Fabric settings are unused placeholders: tests give
 * the app its ledger (ledger-under-test.ts: the Fabric network's adapter, or the in-memory double).
 */
export function testGatewayConfig(options: {
  brokerUrl: string;
  dir: string;
  clientId: string;
  org?: string;
  rateLimitPerMinute?: number;
}): GatewayConfig {
  return {
    http: { host: '127.0.0.1', port: 0 },
    api: {
      apiKeysFile: join(options.dir, 'keys.json'),
      rateLimitPerMinute: options.rateLimitPerMinute ?? 600,
      maxPageSize: 200,
      forecastDirectory: join(options.dir, 'forecasts'),
    },
    mqtt: {
      url: options.brokerUrl,
      clientId: options.clientId,
      shareGroup: null,
      sessionExpirySeconds: 3600,
      keepaliveSeconds: 30,
    },
    ingest: {
      org: options.org ?? 'ProducerMSP',
      batchSize: 200,
      batchWindowMs: 20,
      maxConcurrentBatches: 4,
      maxInFlight: 2000,
      maxClockAheadMs: 300_000,
      deviceCacheTtlMs: 60_000,
      retryMinDelayMs: 20,
      retryMaxDelayMs: 200,
      deadLetterDir: join(options.dir, 'dead-letters'),
    },
    fabric: {
      peers: {},
      homeOrg: options.org ?? 'ProducerMSP',
      channel: 'provena',
      chaincode: 'provena',
      identities: [],
      deadlines: { evaluateMs: 1, endorseMs: 1, submitMs: 1, commitStatusMs: 1 },
      conflictRetries: 0,
      resendAfterMs: 10_000,
      maxConcurrentSubmits: 1,
      keepaliveMs: 120_000,
    },
    events: { checkpointFile: join(options.dir, 'events.json') },
    forecasting: null,
  };
}

const quiet = (): void => undefined;

/** The gateway's ingest path as the app wires it (`wireIngest`): a session on the real broker, the pipeline, a ledger. */
export function gateway(broker: TestBroker, ledger: LedgerPort, options: { receiveMaximum?: number } = {}) {
  const notices: RejectionNotice[] = [];
  const config = testGatewayConfig({ brokerUrl: broker.url, dir: tmpdir(), clientId: 'gateway-under-test' });
  const { session, pipeline } = wireIngest({
    ledger,
    mqtt: config.mqtt,
    ingest: {
      ...config.ingest,
      batchSize: 100,
      maxConcurrentBatches: 2,
      maxInFlight: options.receiveMaximum ?? 500,
    },
    metrics: { received: quiet, refused: quiet, committed: quiet, acknowledged: quiet, retried: quiet },
    log: { warn: quiet, error: quiet },
    onRejection: (notice) => notices.push(notice),
    reconnect: { minMs: 50, maxMs: 500 },
  });
  return { session, ingest: pipeline, notices };
}

export async function publishAll(url: string, payloads: { topic: string; payload: Buffer }[]): Promise<void> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: `device-${Date.now()}`,
  });
  await Promise.all(payloads.map((p) => client.publishAsync(p.topic, p.payload, { qos: 1 })));
  await client.endAsync();
}

/**
 * Polls `condition` until it holds; throws after `timeoutMs` (by default, as long as the ledger may need). A
 * condition that throws counts as not met yet: a check that reads the ledger while a peer restarts fails with
 * UNAVAILABLE for a moment (seen on the native network); the last such error is reported at the timeout.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = LEDGER_PATIENCE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met in time${lastError === undefined ? '' : `; last error: ${String(lastError)}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function readingsOnLedger(
  ledger: Pick<LedgerPort, 'evaluate'>,
  deviceId: string,
): Promise<number[]> {
  const seqs: number[] = [];
  let bookmark = '';
  do {
    const page = await ledger.evaluate<{ items: { reading: { seq: number } }[]; bookmark: string }>(
      operator,
      'reading:GetReadingsByDevice',
      [deviceId, '0', String(Date.now() + 3_600_000), '500', bookmark],
    );
    seqs.push(...page.items.map((r) => r.reading.seq));
    bookmark = page.items.length === 0 ? '' : page.bookmark;
  } while (bookmark !== '');
  return seqs.sort((a, b) => a - b);
}

/** 1..n */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** The whole gateway app (REST API, ingest, events) as `main.ts` wires it, on `ledger`, listening on a free port. */
export async function startGatewayApp(config: GatewayConfig, ledger: LedgerPort): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, ledger)],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}
