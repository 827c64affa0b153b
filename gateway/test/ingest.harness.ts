import mqtt, { type MqttClient } from 'mqtt';
import { Topics, type RejectionNotice } from '@provena/wire';
import type { TestBroker } from '../../test/support/mosquitto.harness';
import { MqttSession } from '../src/broker/mqtt-session';
import { DeviceKeyDirectory } from '../src/ingest/device-keys';
import { ReadingIngest } from '../src/ingest/reading-ingest';
import type { InMemoryLedgerAdapter } from '../src/testing/in-memory-ledger.adapter';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;

/** The gateway's ingest path as the app wires it: a session on the real broker, the pipeline, a ledger. */
export function gateway(
  broker: TestBroker,
  ledger: InMemoryLedgerAdapter,
  options: { receiveMaximum?: number } = {},
) {
  const notices: RejectionNotice[] = [];
  const ingest = new ReadingIngest({
    ledger,
    actor: operator,
    devices: new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      now: Date.now,
    }),
    notify: (notice) => {
      notices.push(notice);
      session.publish(Topics.rejections(notice.deviceId), JSON.stringify(notice));
    },
    metrics: { received() {}, refused() {}, committed() {}, acknowledged() {}, retried() {} },
    log: { warn() {}, error() {} },
    now: Date.now,
    maxClockAheadMs: 300_000,
    batch: { maxSize: 100, windowMs: 20, maxConcurrent: 2 },
    retry: { minDelayMs: 20, maxDelayMs: 200 },
  });
  // Declared after the pipeline that publishes through it; notify runs only once messages flow.
  const session: MqttSession = new MqttSession({
    url: broker.url,
    clientId: 'gateway-under-test',
    subscription: Topics.sharedReadings(),
    sessionExpirySeconds: 3600,
    receiveMaximum: options.receiveMaximum ?? 500,
    keepaliveSeconds: 30,
    reconnectMinMs: 50,
    reconnectMaxMs: 500,
    onMessage: (message) => ingest.accept(message),
  });
  return { session, ingest, notices };
}

export async function publishAll(url: string, payloads: { topic: string; payload: Buffer }[]): Promise<void> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: `device-${Date.now()}`,
  });
  await Promise.all(payloads.map((p) => client.publishAsync(p.topic, p.payload, { qos: 1 })));
  await client.endAsync();
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function readingsOnLedger(ledger: InMemoryLedgerAdapter, deviceId: string): Promise<number[]> {
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
