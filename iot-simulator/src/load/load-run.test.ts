import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSignedReading, parseDevicePublicKey } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import { openFileKeyStore, type DeviceKeyStore, type ReadingSealer } from '../devices/key-store';
import { newMemoryReadingPublisher } from '../devices/memory-publisher.adapter';
import { newMemoryRejectionFeed } from '../devices/memory-rejection-feed.adapter';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import { newMemorySequenceStore, type SequenceStore } from '../devices/sequence-store';
import type { Clock } from './clock.port';
import { loadDeviceIds } from './load-readings';
import {
  DEFAULT_TICK_MS,
  LOAD_ACKNOWLEDGEMENT,
  runLoad,
  type LoadProgress,
  type LoadRunOptions,
} from './load-run';
import { newSteppingClock } from '../testing/stepping-clock';

const EPOCH = Date.UTC(2026, 2, 2, 8);
const IDS = loadDeviceIds(10, 'unit-load-');

describe('runLoad', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-load-'));
    keys = await openFileKeyStore({ directory: dir });
    for (const id of IDS) await keys.ensureKey(id);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = (overrides: Partial<LoadRunOptions> & { clock: Clock }) =>
    runLoad({
      deviceIds: IDS,
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisherFor: () => newMemoryReadingPublisher(),
      ratePerSecond: 100,
      durationMs: 1000,
      drainTimeoutMs: 1000,
      wallClock: () => EPOCH,
      // Every reading at its slot: these tests are about the schedule; the tick has its own below.
      tickMs: 1,
      ...overrides,
    });

  it('sends rate × duration readings on schedule, round robin, each numbered, signed and acknowledged', async () => {
    const publisher = newMemoryReadingPublisher();
    const result = await run({
      clock: newSteppingClock(),
      publisherFor: () => publisher,
      ratePerSecond: 200,
      durationMs: 3000,
    });
    expect(result).toMatchObject({
      devices: 10,
      scheduled: 600,
      sent: 600,
      behindSchedule: 0,
      achievedRatePerSecond: 200,
      sendingMs: 3000,
      acknowledged: 600,
      acknowledgement: LOAD_ACKNOWLEDGEMENT,
      notAcknowledged: { total: 0, timedOut: 0, dropped: 0, refusedByBroker: 0 },
      refused: { total: 0, byCode: {} },
      complete: true,
    });
    expect(result.scheduleLagMs!.max).toBeLessThan(1e-6);

    const readings = publisher.acknowledged.map(
      (p) => openSignedReading(p.payload, parseDevicePublicKey(keys.publicKeyPem(p.deviceId))).reading,
    );
    for (const id of IDS) {
      const mine = readings.filter((r) => r.deviceId === id);
      expect(mine.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    }
    // Reading k is measured at its slot, k × 5 ms after the start; device k mod 10 sends it.
    expect(readings[0]).toMatchObject({ deviceId: IDS[0], seq: 1, measuredAt: EPOCH });
    expect(readings[599]).toMatchObject({ deviceId: IDS[9], seq: 60, measuredAt: EPOCH + 2995 });
  });

  it('keeps to the schedule when slots fall between whole milliseconds', async () => {
    for (const [rate, durationMs, expected] of [
      [3000, 2000, 6000],
      [3, 1000, 3],
      [7.5, 2000, 15],
      [0.5, 1000, 1],
    ] as const) {
      const result = await run({ clock: newSteppingClock(), ratePerSecond: rate, durationMs });
      expect({ rate, sent: result.sent, scheduled: result.scheduled, behind: result.behindSchedule }).toEqual(
        {
          rate,
          sent: expected,
          scheduled: expected,
          behind: 0,
        },
      );
    }
  });

  it('hands the readings due within a tick over together, at most one tick late, and the rate holds', async () => {
    const clock = newSteppingClock();
    const inner = newMemoryReadingPublisher();
    const handOvers = new Set<number>();
    const timed: ReadingPublisher = {
      get connected() {
        return inner.connected;
      },
      publish(deviceId, payload) {
        handOvers.add(clock.now());
        return inner.publish(deviceId, payload);
      },
      onConnectionChange: (listener) => inner.onConnectionChange(listener),
      close: () => inner.close(),
    };
    const progress: LoadProgress[] = [];
    const result = await run({
      clock,
      publisherFor: () => timed,
      ratePerSecond: 1000,
      durationMs: 2000,
      tickMs: undefined, // the default
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      tickMs: DEFAULT_TICK_MS,
      scheduled: 2000,
      sent: 2000,
      behindSchedule: 0,
      achievedRatePerSecond: 1000,
      acknowledged: 2000,
      complete: true,
    });
    // A wake-up per tick, not per reading: 2 s in ticks of 10 ms.
    expect(handOvers.size).toBeLessThanOrEqual(2000 / DEFAULT_TICK_MS + 1);
    expect(result.scheduleLagMs!.max).toBeGreaterThan(DEFAULT_TICK_MS / 2);
    expect(result.scheduleLagMs!.max).toBeLessThanOrEqual(DEFAULT_TICK_MS);
    // Waiting for the tick is not being behind.
    expect(progress.filter((p) => p.phase === 'sending').map((p) => [p.elapsedMs, p.behind])).toEqual([
      [1000, 0],
      [2000, 0],
    ]);
    // Each reading is still measured when it is handed over, and each device's in order.
    const readings = inner.acknowledged.map(
      (p) => openSignedReading(p.payload, parseDevicePublicKey(keys.publicKeyPem(p.deviceId))).reading,
    );
    for (const [k, reading] of readings.entries()) {
      expect(reading.measuredAt - EPOCH).toBeGreaterThanOrEqual(k);
      expect(reading.measuredAt - EPOCH).toBeLessThanOrEqual(k + DEFAULT_TICK_MS);
    }
    for (const id of IDS) {
      const seqs = readings.filter((r) => r.deviceId === id).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    }
  });

  it('sends every reading after a pause of a few milliseconds at the very end: that is jitter, not behind', async () => {
    const clock = newSteppingClock();
    let seals = 0;
    // A garbage collection (or a late timer) of 5 ms while the 996th of 1,000 readings is signed at 995 ms.
    const pausing: ReadingSealer = {
      seal(reading) {
        if (++seals === 996) clock.advance(5);
        return keys.seal(reading);
      },
    };
    const result = await run({ clock, sealer: pausing, ratePerSecond: 1000, durationMs: 1000 });
    expect(result).toMatchObject({ scheduled: 1000, sent: 1000, behindSchedule: 0, acknowledged: 1000 });
    expect(result.scheduleLagMs!.max).toBeCloseTo(4, 6); // the 997th, due at 996 ms, handed over at 1,000 ms
    expect(result.sendingMs).toBeCloseTo(1000, 6);
  });

  it('is open loop: acknowledgements that never come do not slow sending, and every unacknowledged reading is counted', async () => {
    const publisher = newMemoryReadingPublisher({ autoAcknowledge: false });
    const result = await run({
      clock: newSteppingClock(),
      publisherFor: () => publisher,
      ratePerSecond: 500,
      durationMs: 2000,
      drainTimeoutMs: 500,
    });
    expect(result).toMatchObject({
      sent: 1000,
      sendingMs: 2000,
      achievedRatePerSecond: 500,
      behindSchedule: 0,
      acknowledged: 0,
      notAcknowledged: { total: 1000, timedOut: 1000, dropped: 0, refusedByBroker: 0 },
      drainMs: 500,
      complete: false,
    });
    expect(result.latencyMs).toBeUndefined();
    expect(result.scheduleLagMs!.max).toBeLessThan(1e-6);
  });

  it('sends at the target rate while each PUBACK takes 250 ms, and measures that latency', async () => {
    const clock = newSteppingClock();
    const inner = newMemoryReadingPublisher({ autoAcknowledge: false });
    const publishedAt: number[] = [];
    // The broker answers each publish 250 ms after it, in order.
    const slow: ReadingPublisher = {
      get connected() {
        return inner.connected;
      },
      publish(deviceId, payload) {
        publishedAt.push(clock.now());
        return inner.publish(deviceId, payload);
      },
      onConnectionChange: (listener) => inner.onConnectionChange(listener),
      close: () => inner.close(),
    };
    let acked = 0;
    clock.onSleep((now) => {
      while (acked < publishedAt.length && publishedAt[acked]! + 250 <= now) acked += inner.acknowledge(1);
    });
    const progress: LoadProgress[] = [];
    const result = await run({
      clock,
      publisherFor: () => slow,
      ratePerSecond: 100,
      durationMs: 2000,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      sent: 200,
      sendingMs: 2000,
      achievedRatePerSecond: 100,
      acknowledged: 200,
    });
    expect(result.complete).toBe(true);
    // Acknowledgements land on the next clock step after 250 ms: slots are 10 ms apart, drain polls 5 ms.
    expect(result.latencyMs!.p50).toBeGreaterThanOrEqual(250);
    expect(result.latencyMs!.max).toBeLessThanOrEqual(260);
    expect(result.latencyMs!.count).toBe(200);
    // One second in: 100 sent at full rate although only the first 75 or so have been acknowledged.
    expect(progress[0]).toMatchObject({
      phase: 'sending',
      elapsedMs: 1000,
      sent: 100,
      sendRatePerSecond: 100,
    });
    expect(progress[0]!.acknowledged).toBeLessThanOrEqual(76);
    expect(progress[0]!.outstanding).toBe(100 - progress[0]!.acknowledged);
  });

  it.each([1, DEFAULT_TICK_MS])(
    'stops at the end of the duration and reports how far behind a sender too slow for the rate was (tick %d ms)',
    async (tickMs) => {
      const clock = newSteppingClock();
      // Signing takes 4 ms of the clock: at most 250 readings a second against a target of 1,000.
      const slowSealer: ReadingSealer = {
        seal(reading) {
          clock.advance(4);
          return keys.seal(reading);
        },
      };
      const progress: LoadProgress[] = [];
      const result = await run({
        clock,
        sealer: slowSealer,
        ratePerSecond: 1000,
        durationMs: 2000,
        tickMs,
        onProgress: (p) => progress.push(p),
      });
      expect(result.scheduled).toBe(2000);
      expect(result.behindSchedule).toBe(2000 - result.sent);
      expect(result.behindSchedule).toBeGreaterThan(1000);
      // A tick's wait at the start, while the sender still kept up, costs it a few readings at most.
      expect(result.achievedRatePerSecond).toBeGreaterThan(245);
      expect(result.achievedRatePerSecond).toBeLessThanOrEqual(250);
      expect(result.sendingMs).toBeGreaterThan(2000 + 250); // the end-of-run grace, then one more batch
      // Readings are handed over more than a second late, then wait their turn to be signed.
      expect(result.scheduleLagMs!.max).toBeGreaterThan(1000);
      expect(result.latencyMs!.max).toBeGreaterThan(500);
      expect(progress.some((p) => p.phase === 'sending' && p.behind > 100)).toBe(true);
      // Behind schedule is reported, not failed: everything that was sent was acknowledged.
      expect(result.complete).toBe(true);
    },
  );

  it('counts dropped and broker-refused readings apart from those still outstanding at the drain', async () => {
    const offline = newMemoryReadingPublisher({ connected: false });
    const refusing: ReadingPublisher = {
      connected: true,
      publish: () => Promise.reject(new SimulatorError(SimulatorErrorCode.PublishRefused, 'quota exceeded')),
      onConnectionChange: () => () => undefined,
      close: () => Promise.resolve(),
    };
    const publishers = new Map<string, ReadingPublisher>([
      [IDS[0]!, offline],
      [IDS[1]!, refusing],
    ]);
    const result = await run({
      clock: newSteppingClock(),
      publisherFor: (id) => publishers.get(id) ?? newMemoryReadingPublisher(),
      ratePerSecond: 200,
      durationMs: 1000,
      bufferCapacity: 5,
      drainTimeoutMs: 100,
    });
    // 20 readings per device: device 0 keeps 5 of its 20 and drops 15; device 1's are all refused.
    expect(result).toMatchObject({
      sent: 200,
      acknowledged: 160,
      notAcknowledged: { total: 40, timedOut: 5, dropped: 15, refusedByBroker: 20 },
      complete: false,
    });
    expect(result.latencyMs!.count).toBe(160);
  });

  it('counts the gateway refusal notices of its own devices by code', async () => {
    const clock = newSteppingClock();
    const feed = newMemoryRejectionFeed();
    let sentNotices = false;
    clock.onSleep((now) => {
      if (now < 500 || sentNotices) return;
      sentNotices = true;
      feed.notify({ deviceId: IDS[2]!, seq: 3, code: 'BAD_SIGNATURE', reason: 'signature does not verify' });
      feed.notify({ deviceId: IDS[3]!, seq: 1, code: 'BAD_SIGNATURE', reason: 'signature does not verify' });
      feed.notify({ deviceId: IDS[4]!, code: 'UNKNOWN_DEVICE', reason: 'not registered' });
      feed.notify({ deviceId: 'someone-else', code: 'UNKNOWN_DEVICE', reason: 'not ours' });
    });
    const result = await run({ clock, rejections: feed, noticeWaitMs: 200 });
    expect(feed.watched).toEqual(new Set(IDS));
    expect(result.refused).toEqual({ total: 3, byCode: { BAD_SIGNATURE: 2, UNKNOWN_DEVICE: 1 } });
    expect(result.acknowledged).toBe(100);
    expect(result.complete).toBe(false);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(990 + 200); // last slot, then the notice wait
  });

  it('reports progress once per second of the clock, through the drain', async () => {
    const progress: LoadProgress[] = [];
    const inner = newMemoryReadingPublisher({ autoAcknowledge: false });
    const clock = newSteppingClock();
    clock.onSleep((now) => {
      if (now >= 3500) inner.acknowledge();
    });
    await run({
      clock,
      publisherFor: () => inner,
      durationMs: 3000,
      drainTimeoutMs: 5000,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => [p.phase, p.elapsedMs, p.sent])).toEqual([
      ['sending', 1000, 100],
      ['sending', 2000, 200],
      ['draining', 3000, 300],
    ]);
    expect(progress[2]).toMatchObject({ acknowledged: 0, outstanding: 300, behind: 0 });
  });

  it('prepares every device’s sequences before the first reading, and stops with the store’s error', async () => {
    const inner = newMemorySequenceStore();
    const calls: string[] = [];
    const sequences: SequenceStore = {
      prepare: (id) => {
        calls.push(`prepare ${id}`);
        return inner.prepare(id);
      },
      next: (id) => {
        calls.push('next');
        if (calls.length > 30) {
          return Promise.reject(new SimulatorError(SimulatorErrorCode.SequenceStoreFailed, 'disk full'));
        }
        return inner.next(id);
      },
      reservedThrough: (id) => inner.reservedThrough(id),
    };
    await expect(run({ clock: newSteppingClock(), sequences })).rejects.toMatchObject({
      code: SimulatorErrorCode.SequenceStoreFailed,
    });
    expect(calls.slice(0, 10)).toEqual(IDS.map((id) => `prepare ${id}`));
    expect(calls[10]).toBe('next');
  });

  it('refuses a rate, duration or fleet that makes no schedule', async () => {
    const clock = newSteppingClock();
    for (const bad of [
      { ratePerSecond: 0 },
      { ratePerSecond: Number.NaN },
      { durationMs: -1 },
      { deviceIds: [] },
    ]) {
      await expect(run({ clock, ...bad })).rejects.toMatchObject({ code: SimulatorErrorCode.BadArgument });
    }
  });
});
