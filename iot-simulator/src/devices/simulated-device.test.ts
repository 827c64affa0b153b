import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSignedReading, type SignedReading } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import { openFileKeyStore, type DeviceKeyStore } from './key-store';
import { newMemoryReadingPublisher } from './memory-publisher.adapter';
import { newMemorySequenceStore } from './sequence-store';
import { newSimulatedDevice } from './simulated-device';
import type { ReadingPublisher } from './reading-publisher.port';

const T0 = Date.UTC(2026, 2, 2);
const sample = (i: number) => ({ measuredAt: T0 + i * 1000, measurements: { temperatureC: 4 + i / 100 } });
const seqOf = (p: { payload: Uint8Array }) => decodeSignedReading(p.payload).reading.seq;

describe('simulated device', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-device-'));
    keys = await openFileKeyStore({ directory: dir });
    await keys.ensureKey('dev-1');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('numbers, signs and publishes readings; sent counts only acknowledged ones', async () => {
    const publisher = newMemoryReadingPublisher({ autoAcknowledge: false });
    const device = newSimulatedDevice({
      deviceId: 'dev-1',
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisher,
    });
    for (let i = 0; i < 5; i++) await device.record(sample(i));
    expect(device.stats()).toMatchObject({ recorded: 5, sent: 0, inFlight: 5 });
    publisher.acknowledge(3);
    await new Promise(setImmediate);
    expect(device.stats()).toMatchObject({ sent: 3, inFlight: 2 });
    publisher.acknowledge();
    expect(await device.drain(1000)).toBe(true);
    expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2, 3, 4, 5]);
  });

  it('buffers while offline, drops the oldest beyond its bound, and sends the rest on reconnect', async () => {
    const publisher = newMemoryReadingPublisher({ connected: false });
    const dropped: SignedReading[] = [];
    const device = newSimulatedDevice({
      deviceId: 'dev-1',
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisher,
      bufferCapacity: 10,
      onDropped: (s) => dropped.push(s),
    });
    for (let i = 0; i < 25; i++) await device.record(sample(i));
    expect(device.stats()).toMatchObject({ recorded: 25, sent: 0, buffered: 10, dropped: 15 });
    expect(dropped.map((s) => s.reading.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    publisher.setConnected(true);
    expect(await device.drain(1000)).toBe(true);
    expect(publisher.acknowledged.map(seqOf)).toEqual(Array.from({ length: 10 }, (_, i) => i + 16));
    expect(device.stats()).toMatchObject({ sent: 10, dropped: 15, buffered: 0, inFlight: 0 });
  });

  it('keeps in-flight readings across a disconnect and counts them once acknowledged', async () => {
    const publisher = newMemoryReadingPublisher({ autoAcknowledge: false });
    const device = newSimulatedDevice({
      deviceId: 'dev-1',
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisher,
      maxInFlight: 4,
    });
    for (let i = 0; i < 10; i++) await device.record(sample(i));
    expect(device.stats()).toMatchObject({ inFlight: 4, buffered: 6 });
    publisher.setConnected(false);
    for (let i = 10; i < 12; i++) await device.record(sample(i));
    expect(device.stats()).toMatchObject({ inFlight: 4, buffered: 8, sent: 0 });
    publisher.setConnected(true);
    while (publisher.acknowledge() > 0) await new Promise(setImmediate);
    expect(device.stats()).toMatchObject({ sent: 12, inFlight: 0, buffered: 0, dropped: 0 });
    expect(publisher.acknowledged.map(seqOf)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('puts a reading back when the connection is gone at publish time, and counts a broker refusal', async () => {
    let calls = 0;
    const failing: ReadingPublisher = {
      connected: true,
      publish: () =>
        Promise.reject(
          new SimulatorError(
            ++calls === 1 ? SimulatorErrorCode.BrokerUnavailable : SimulatorErrorCode.PublishRefused,
            'no',
          ),
        ),
      onConnectionChange: () => () => undefined,
      close: () => Promise.resolve(),
    };
    const refused: number[] = [];
    const device = newSimulatedDevice({
      deviceId: 'dev-1',
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisher: failing,
      maxInFlight: 1,
      onRefused: (signed, error) => {
        expect(error.code).toBe(SimulatorErrorCode.PublishRefused);
        refused.push(signed.reading.seq);
      },
    });
    await device.record(sample(0));
    await new Promise(setImmediate);
    expect(device.stats()).toMatchObject({ buffered: 1, refused: 0 });
    await device.record(sample(1));
    await new Promise(setImmediate);
    // The refusal is final and does not hold up the readings behind it.
    expect(device.stats()).toMatchObject({ refused: 2, buffered: 0, sent: 0 });
    expect(refused).toEqual([1, 2]);
    expect(await device.drain(10)).toBe(true);
  });

  describe('with end-to-end receipts', () => {
    afterEach(() => jest.useRealTimers());
    const withReceipts = (publisher: ReadingPublisher, receipted: number[] = []) =>
      newSimulatedDevice({
        deviceId: 'dev-1',
        sealer: keys,
        sequences: newMemorySequenceStore(),
        publisher,
        receipts: { resendAfterMs: 1000, maxResendAfterMs: 4000 },
        onReceipted: (s) => receipted.push(s.reading.seq),
      });

    it('keeps a reading the broker acknowledged until a receipt names it', async () => {
      const publisher = newMemoryReadingPublisher();
      const receipted: number[] = [];
      const device = withReceipts(publisher, receipted);
      for (let i = 0; i < 3; i++) await device.record(sample(i));
      expect(await device.drain(50)).toBe(false);
      expect(device.stats()).toMatchObject({ sent: 3, awaitingReceipt: 3, receipted: 0 });
      device.receipted([1, 3]);
      expect(device.stats()).toMatchObject({ awaitingReceipt: 1, receipted: 2 });
      device.rejected(2);
      expect(await device.drain(50)).toBe(true);
      expect(receipted).toEqual([1, 3]);
    });

    it('publishes again what no receipt covered in time, backing off, until one does', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
      const publisher = newMemoryReadingPublisher();
      const device = withReceipts(publisher);
      await device.record(sample(0));
      await device.record(sample(1));
      await new Promise(setImmediate);
      device.receipted([2]);
      expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2]);

      await jest.advanceTimersByTimeAsync(1250); // first timeout: 1 s
      expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2, 1]);
      await jest.advanceTimersByTimeAsync(1500); // next one doubles: 2 s, not due yet
      expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2, 1]);
      await jest.advanceTimersByTimeAsync(750);
      expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2, 1, 1]);
      expect(device.stats()).toMatchObject({ resent: 2, awaitingReceipt: 1 });

      device.receipted([1]);
      await jest.advanceTimersByTimeAsync(20_000);
      expect(publisher.acknowledged.map(seqOf)).toEqual([1, 2, 1, 1]);
      expect(device.stats()).toMatchObject({ resent: 2, awaitingReceipt: 0, receipted: 2 });
    });

    it('lets a reading go when its receipt comes while a resent copy is still unacknowledged', async () => {
      const publisher = newMemoryReadingPublisher({ autoAcknowledge: false });
      const device = withReceipts(publisher);
      await device.record(sample(0));
      device.receipted([1]);
      publisher.acknowledge();
      expect(await device.drain(50)).toBe(true);
      expect(device.stats()).toMatchObject({ awaitingReceipt: 0, receipted: 1, inFlight: 0 });
    });

    it('ignores receipts for readings it does not hold', async () => {
      const publisher = newMemoryReadingPublisher();
      const receipted: number[] = [];
      const device = withReceipts(publisher, receipted);
      await device.record(sample(0));
      device.receipted([7, 8]);
      expect(device.stats()).toMatchObject({ receipted: 0 });
      device.receipted([1]);
      device.receipted([1]);
      expect(receipted).toEqual([1]);
    });

    it('stops publishing while as many readings await a receipt as it may hold, and goes on as receipts come', async () => {
      const publisher = newMemoryReadingPublisher();
      const device = newSimulatedDevice({
        deviceId: 'dev-1',
        sealer: keys,
        sequences: newMemorySequenceStore(),
        publisher,
        receipts: { resendAfterMs: 60_000, maxAwaiting: 2 },
      });
      for (let i = 0; i < 5; i++) await device.record(sample(i));
      await new Promise(setImmediate);
      expect(device.stats()).toMatchObject({ sent: 2, awaitingReceipt: 2, buffered: 3 });
      device.receipted([1, 2]);
      await new Promise(setImmediate);
      expect(device.stats()).toMatchObject({ sent: 4, awaitingReceipt: 2, buffered: 1 });
      device.detach();
    });
  });
});
