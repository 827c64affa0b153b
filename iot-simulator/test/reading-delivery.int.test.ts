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

const DEVICE = 'int-logger-1';
const COUNT = 500;

describe('device → Mosquitto → subscriber (MQTT 5, QoS 1)', () => {
  let dir: string;
  let broker: TestBroker | undefined;
  let publisher: ReadingPublisher | undefined;
  let subscriber: ReadingSubscriber | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-int-a-'));
  });
  afterEach(async () => {
    await subscriber?.close().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await broker?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it(`delivers ${COUNT} signed readings, each exactly once, each verifying with the wire package`, async () => {
    broker = await startTestBroker({ persistence: false });
    const keys = await openFileKeyStore({ directory: join(dir, 'keys') });
    const publicKey = parseDevicePublicKey(await keys.ensureKey(DEVICE));
    subscriber = await subscribeReadings({
      url: broker.url,
      deviceId: DEVICE,
      publicKey,
      clientId: 'int-a-sub',
      persistent: false,
    });
    publisher = newMqttReadingPublisher({ url: broker.url, clientId: 'int-a-pub' });
    expect(await waitForConnection(publisher, 5000)).toBe(true);

    const acknowledged: number[] = [];
    const device = newSimulatedDevice({
      deviceId: DEVICE,
      sealer: keys,
      sequences: newFileSequenceStore({ directory: join(dir, 'seq') }),
      publisher,
      onAcknowledged: (signed) => acknowledged.push(signed.reading.seq),
    });
    const t0 = Date.UTC(2026, 2, 2);
    for (let i = 0; i < COUNT; i++) {
      await device.record({
        measuredAt: t0 + i * 60_000,
        measurements: { temperatureC: 4 + (i % 30) / 10, batteryPct: 99 },
      });
    }
    expect(await device.drain(15_000)).toBe(true);
    expect(await subscriber.waitUntil(() => subscriber!.counts.size >= COUNT, 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up, if any

    const expected = Array.from({ length: COUNT }, (_, i) => i + 1);
    expect(device.stats()).toMatchObject({
      recorded: COUNT,
      sent: COUNT,
      dropped: 0,
      refused: 0,
      buffered: 0,
      inFlight: 0,
    });
    expect([...acknowledged].sort((a, b) => a - b)).toEqual(expected);
    expect(subscriber.invalid).toEqual([]);
    expect([...subscriber.counts.keys()].sort((a, b) => a - b)).toEqual(expected);
    expect([...subscriber.counts.values()].every((n) => n === 1)).toBe(true);
  });
});
