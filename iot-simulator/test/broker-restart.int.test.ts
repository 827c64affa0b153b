import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevicePublicKey } from '@provena/wire';
import { openFileKeyStore } from '../src/devices/key-store';
import { newFileSequenceStore } from '../src/devices/sequence-store';
import { newSimulatedDevice } from '../src/devices/simulated-device';
import { newMqttReadingPublisher, waitForConnection } from '../src/mqtt/mqtt-publisher.adapter';
import type { ReadingPublisher } from '../src/devices/reading-publisher.port';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { subscribeReadings, type ReadingSubscriber } from './reading-subscriber.helper';

const DEVICE = 'int-logger-2';
const COUNT = 600;
const PER_SECOND = 200;
const STOP_AFTER = 150;
const RESTART_AFTER = 350;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('broker killed mid-stream and restarted', () => {
  let dir: string;
  let broker: TestBroker | undefined;
  let publisher: ReadingPublisher | undefined;
  let subscriber: ReadingSubscriber | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-int-b-'));
  });
  afterEach(async () => {
    await subscriber?.close().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await broker?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('buffers while the broker is down, then delivers everything not acknowledged; nothing counted as sent is missing', async () => {
    broker = await startTestBroker({ persistence: true });
    const keys = await openFileKeyStore({ directory: join(dir, 'keys') });
    const publicKey = parseDevicePublicKey(await keys.ensureKey(DEVICE));
    subscriber = await subscribeReadings({
      url: broker.url,
      deviceId: DEVICE,
      publicKey,
      clientId: 'int-b-sub',
      persistent: true,
    });
    publisher = newMqttReadingPublisher({ url: broker.url, clientId: 'int-b-pub', reconnectPeriodMs: 200 });
    expect(await waitForConnection(publisher, 5000)).toBe(true);
    let disconnects = 0;
    publisher.onConnectionChange((up) => (disconnects += up ? 0 : 1));

    const acknowledged = new Set<number>();
    const device = newSimulatedDevice({
      deviceId: DEVICE,
      sealer: keys,
      sequences: newFileSequenceStore({ directory: join(dir, 'seq'), blockSize: 100 }),
      publisher,
      bufferCapacity: 10_000,
      onAcknowledged: (signed) => acknowledged.add(signed.reading.seq),
    });
    const t0 = Date.UTC(2026, 2, 2);
    let maxBuffered = 0;
    let sentAtStop = 0;
    for (let i = 0; i < COUNT; i++) {
      if (i === STOP_AFTER) {
        sentAtStop = device.stats().sent;
        await broker.stop('SIGTERM');
        // The test's own precondition: without the saved session the subscriber would lose messages too.
        expect(await broker.hasPersistenceFile()).toBe(true);
      }
      if (i === RESTART_AFTER) await broker.start();
      await device.record({ measuredAt: t0 + i * 60_000, measurements: { temperatureC: 5 + (i % 20) / 10 } });
      maxBuffered = Math.max(maxBuffered, device.stats().buffered);
      await sleep(1000 / PER_SECOND);
    }
    expect(await device.drain(15_000)).toBe(true);
    const arrived = () => [...acknowledged].every((seq) => subscriber!.counts.has(seq));
    const allArrived = await subscriber.waitUntil(arrived, 10_000);

    const missing = [...acknowledged].filter((seq) => !subscriber!.counts.has(seq));
    expect(missing).toEqual([]);
    expect(allArrived).toBe(true);
    expect(subscriber.invalid).toEqual([]);
    expect(disconnects).toBeGreaterThanOrEqual(1);
    expect(sentAtStop).toBeGreaterThan(0);
    // While the broker was down the device kept its readings, and none had to be dropped.
    expect(maxBuffered).toBeGreaterThan(100);
    expect(device.stats()).toMatchObject({
      recorded: COUNT,
      sent: COUNT,
      dropped: 0,
      refused: 0,
      buffered: 0,
      inFlight: 0,
    });
    expect(acknowledged.size).toBe(COUNT);
    // QoS 1 is at least once: a reading in flight when the broker went down may arrive twice, never zero times.
    expect(subscriber.counts.size).toBe(COUNT);
  });
});
