import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { parseDevicePublicKey, Topics, type RejectionNotice } from '@provena/wire';
import { openFileKeyStore } from '../src/devices/key-store';
import type { RejectionFeed } from '../src/devices/rejection-feed.port';
import { newFileSequenceStore } from '../src/devices/sequence-store';
import { loadDeviceIds } from '../src/load/load-readings';
import { runLoad, type LoadProgress } from '../src/load/load-run';
import { openMqttPublisherPool, type MqttPublisherPool } from '../src/mqtt/mqtt-publisher-pool';
import { openMqttRejectionFeed } from '../src/mqtt/mqtt-device-feeds.adapter';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { subscribeFleetReadings, type FleetSubscriber } from './reading-subscriber.helper';

const DEVICES = 20;
const RATE = 500;
const SECONDS = 3;
const TOTAL = RATE * SECONDS;

describe('load run → Mosquitto (MQTT 5, QoS 1)', () => {
  let dir: string;
  let broker: TestBroker | undefined;
  let pool: MqttPublisherPool | undefined;
  let rejections: RejectionFeed | undefined;
  let subscriber: FleetSubscriber | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-int-load-'));
    broker = await startTestBroker({ persistence: false });
  });
  afterEach(async () => {
    await subscriber?.close().catch(() => undefined);
    await rejections?.close().catch(() => undefined);
    await pool?.close().catch(() => undefined);
    await broker?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function fleet(count: number, prefix: string) {
    const ids = loadDeviceIds(count, prefix);
    const keys = await openFileKeyStore({ directory: join(dir, 'keys') });
    const publicKeys = new Map<string, ReturnType<typeof parseDevicePublicKey>>();
    for (const id of ids) publicKeys.set(id, parseDevicePublicKey(await keys.ensureKey(id)));
    pool = await openMqttPublisherPool({
      url: broker!.url,
      connections: 4,
      connectTimeoutMs: 5000,
      clientIdPrefix: 'int-load',
    });
    rejections = await openMqttRejectionFeed({ url: broker!.url, clientId: 'int-load-rejections' });
    const publishers = pool.publishers;
    return {
      ids,
      publicKeys,
      options: {
        deviceIds: ids,
        sealer: keys,
        sequences: newFileSequenceStore({ directory: join(dir, 'seq') }),
        publisherFor: (_: string, index: number) => publishers[index % publishers.length]!,
        rejections,
      },
    };
  }

  it(`${DEVICES} devices at ${RATE}/s for ${SECONDS} s: all acknowledged, each (device, seq) received once and verified`, async () => {
    const { ids, publicKeys, options } = await fleet(DEVICES, 'int-load-');
    subscriber = await subscribeFleetReadings({
      url: broker!.url,
      publicKeys,
      clientId: 'int-load-sub',
      persistent: true,
    });
    const progress: LoadProgress[] = [];
    const result = await runLoad({
      ...options,
      ratePerSecond: RATE,
      durationMs: SECONDS * 1000,
      drainTimeoutMs: 10_000,
      onProgress: (p) => progress.push(p),
    });

    expect(result).toMatchObject({
      devices: DEVICES,
      scheduled: TOTAL,
      sent: TOTAL,
      behindSchedule: 0,
      acknowledged: TOTAL,
      notAcknowledged: { total: 0, timedOut: 0, dropped: 0, refusedByBroker: 0 },
      refused: { total: 0, byCode: {} },
      complete: true,
    });
    expect(result.achievedRatePerSecond).toBeGreaterThan(RATE * 0.99);
    expect(result.latencyMs!.count).toBe(TOTAL);
    expect(result.latencyMs!.p50).toBeLessThanOrEqual(result.latencyMs!.p99);
    expect(progress.filter((p) => p.phase === 'sending').length).toBeGreaterThanOrEqual(SECONDS - 1);
    expect(pool!.connectionLosses()).toBe(0);

    expect(await subscriber.waitUntil(() => subscriber!.received >= TOTAL, 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up, if any
    expect(subscriber.invalid).toEqual([]);
    expect(subscriber.received).toBe(TOTAL);
    const perDevice = Array.from({ length: TOTAL / DEVICES }, (_, i) => i + 1);
    for (const id of ids) {
      const counts = subscriber.counts.get(id)!;
      expect({ id, seqs: [...counts.keys()].sort((a, b) => a - b) }).toEqual({ id, seqs: perDevice });
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }
  });

  it('counts the notices a gateway publishes on the rejection topics, by code', async () => {
    const { ids, options } = await fleet(5, 'int-refused-');
    const gateway = await connectAsync(broker!.url, { protocolVersion: 5, clientId: 'int-load-gateway' });
    try {
      const notice: RejectionNotice = {
        deviceId: ids[1]!,
        seq: 2,
        code: 'BAD_SIGNATURE',
        reason: 'does not verify',
      };
      const running = runLoad({ ...options, ratePerSecond: 100, durationMs: 1000, noticeWaitMs: 500 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await gateway.publishAsync(Topics.rejections(ids[1]!), JSON.stringify(notice), { qos: 1 });
      await gateway.publishAsync(Topics.rejections(ids[2]!), 'garbage', { qos: 1 });
      await gateway.publishAsync(Topics.rejections('not-in-this-fleet'), JSON.stringify(notice), { qos: 1 });
      const result = await running;
      expect(result.acknowledged).toBe(100);
      expect(result.refused).toEqual({ total: 2, byCode: { BAD_SIGNATURE: 1, UNREADABLE_NOTICE: 1 } });
      expect(result.complete).toBe(false);
    } finally {
      await gateway.endAsync(true);
    }
  });
});
