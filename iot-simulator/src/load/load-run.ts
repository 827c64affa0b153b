import type { CommitFeed } from './commit-feed.port';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SignedReading } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReadingSealer } from '../devices/key-store';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import type { RejectionFeed } from '../devices/rejection-feed.port';
import type { SequenceStore } from '../devices/sequence-store';
import { newSimulatedDevice } from '../devices/simulated-device';
import { newSystemClock, type Clock } from './clock.port';
import { newLoadSampler } from './load-readings';
import { summariseLatencies, type LatencySummary } from './percentiles';

/** What "acknowledged" means in a load result, said in the result itself so no report can leave it out. */
export const LOAD_ACKNOWLEDGEMENT =
  'broker PUBACK (MQTT 5, QoS 1): the broker has the reading; not a ledger commit (see `commit` for that)';

export interface LoadRunOptions {
  /** The fleet. Readings go to the devices in turn, so each sends `ratePerSecond / deviceIds.length` a second. */
  deviceIds: readonly string[];
  sealer: ReadingSealer;
  sequences: SequenceStore;
  /** The publisher carrying a device's readings; the caller decides how devices share connections. */
  publisherFor(deviceId: string, index: number): ReadingPublisher;
  /** Where the gateway's refusal notices arrive. Without one no refusal can be seen, and none is counted. */
  rejections?: RejectionFeed;
  /** Where commits are learnt (the gateway's event stream); without one, `commit` is absent from the result. */
  commits?: CommitFeed;
  /** How long to wait after the drain for the commits of acknowledged readings (default 30 s). */
  commitWaitMs?: number;
  /** Readings per second, all devices together. */
  ratePerSecond: number;
  /** How long to send. The schedule has `ratePerSecond × durationMs / 1000` readings (rounded up). */
  durationMs: number;
  /**
   * How often, at most, the sender wakes to hand over the readings that have come due (default
   * {@link DEFAULT_TICK_MS}): a reading waits up to this long after its slot, and the readings of one tick go out
   * together. Each wake-up costs CPU beyond the readings' own work (timers, the event loop, caches gone cold while
   * the process slept), so a wake-up per reading at 1,000/s cost more than signing. Below 1 it is 1, the timers'
   * own granularity: every reading at its slot, as far as a timer can.
   */
  tickMs?: number;
  /** How long to wait after sending for outstanding acknowledgements (default 30 s). */
  drainTimeoutMs?: number;
  /**
   * How long to keep counting refusal notices after the drain (default 0). A gateway refuses a reading some time
   * after the broker acknowledged it; a notice later than the drain is not counted without this.
   */
  noticeWaitMs?: number;
  /** Readings each device keeps while the broker is unreachable or slow (default 10,000). */
  bufferCapacity?: number;
  /** Seed of the measurement values (default `'load'`). */
  seed?: number | string;
  onProgress?(progress: LoadProgress): void;
  /** Default 1,000 ms. */
  progressIntervalMs?: number;
  /** Scheduling and latency time; defaults to the system's monotonic clock. */
  clock?: Clock;
  /** Unix ms for `measuredAt`; defaults to `Date.now`. Read once, at the start: readings advance with `clock`. */
  wallClock?(): number;
}

export interface LoadProgress {
  phase: 'sending' | 'draining';
  elapsedMs: number;
  sent: number;
  acknowledged: number;
  /** Sent, and neither acknowledged nor given up yet: in a device buffer or awaiting the PUBACK. */
  outstanding: number;
  /** Dropped from a full device buffer. */
  dropped: number;
  /** Refused by the broker (PUBACK reason code) or by the gateway (notice). */
  refused: number;
  /**
   * Readings due more than 10 ms ago and not sent yet: the sender is behind schedule. (Readings due within the
   * last few milliseconds wait for the next timer tick; that is not being behind.)
   */
  behind: number;
  /** Over the last progress interval. */
  sendRatePerSecond: number;
  ackRatePerSecond: number;
}

export interface LoadResult {
  devices: number;
  targetRatePerSecond: number;
  durationMs: number;
  /** Readings the schedule called for: rate × duration. */
  scheduled: number;
  /** Readings signed and handed to their device. */
  sent: number;
  /** Scheduled readings still unsent 250 ms after the end of the duration, because the sender could not keep up. */
  behindSchedule: number;
  /** `sent` over the time sending took (never less than the duration); below the target when behind. */
  achievedRatePerSecond: number;
  sendingMs: number;
  /** How late each reading was handed to its device after its slot in the schedule. */
  scheduleLagMs: LatencySummary | undefined;
  /** {@link LoadRunOptions.tickMs}: readings due within one tick were handed over together. */
  tickMs: number;
  acknowledged: number;
  /** {@link LOAD_ACKNOWLEDGEMENT} */
  acknowledgement: string;
  /** Sent readings without a PUBACK, by why. */
  notAcknowledged: {
    total: number;
    /** Still buffered or awaiting the PUBACK when the drain timeout ran out. */
    timedOut: number;
    /** Dropped from a full device buffer. */
    dropped: number;
    /** Answered by the broker with a failure reason code. */
    refusedByBroker: number;
  };
  /** Notices on the devices' rejection topics, by code, up to the end of the drain (and notice wait). */
  refused: { total: number; byCode: Record<string, number> };
  /**
   * From the moment a reading is handed to its device to the broker's PUBACK, over the acknowledged readings:
   * numbering, signing, the wait in the device buffer and for the MQTT window, the broker's round trip. How late
   * the hand-over itself was against the schedule is in {@link scheduleLagMs}.
   */
  latencyMs: LatencySummary | undefined;
  /**
   * With a commit feed: readings seen committed on the ledger, those acknowledged by the broker but not seen
   * committed by the end of the commit wait (refused ones excluded), and the latency from hand-over to commit.
   */
  commit?: { committed: number; notCommitted: number; latencyMs: LatencySummary | undefined };
  drainMs: number;
  elapsedMs: number;
  /**
   * True when every reading sent was acknowledged, none was refused and, with a commit feed, every acknowledged one
   * was seen committed. Being behind schedule is reported, not failed.
   */
  complete: boolean;
}

/**
 * Default {@link LoadRunOptions.tickMs}. On a two-core VM shared with the broker, 1,000 readings/s from 100 devices
 * cost the simulator 240 to 270 µs of CPU per reading handed over slot by slot (a timer, an event-loop turn and a
 * PUBACK wake-up per reading, each finding the caches cold: a P-256 signature took 100 µs or more there against
 * 40 µs back to back) and 150 to 180 µs in batches of 10 ms (README, "Load: CPU"). 10 ms is far below anything the
 * ledger resolves (blocks are cut every few hundred milliseconds) and stays reported as hand-over lateness.
 */
export const DEFAULT_TICK_MS = 10;
/** Readings handed over in one go before the event loop gets a turn, when the sender is behind. */
const BATCH = 256;
/**
 * How long after the end of the duration the sender may still hand over readings whose slot has passed. A late
 * timer or a garbage collection at the end is jitter, not a sender behind schedule: the latest hand-over measured
 * on a two-core machine sharing its cores with the broker was 20 to 100 ms at 6,000 readings/s (README).
 */
const END_GRACE_MS = 250;
/**
 * How overdue a reading must be, beyond the tick it may wait for, for progress to call the sender behind: well above
 * a timer's granularity.
 */
const BEHIND_AFTER_MS = 10;
/** Devices whose sequence stores are prepared at once before the start. */
const PREPARE_CHUNK = 100;
/** How often the drain looks at what is still outstanding. */
const DRAIN_POLL_MS = 5;

function badArgument(message: string): SimulatorError {
  return new SimulatorError(SimulatorErrorCode.BadArgument, message);
}

/**
 * Open-loop load: readings are due at fixed slots (`k / ratePerSecond` seconds after the start) and each is
 * handed to its device (which numbers, signs and publishes it) at the first tick (`tickMs`) from its slot,
 * whatever the acknowledgements are doing. Each device's sequence store is prepared first, so no reading waits for
 * a disk write that a real device would have made long before. Devices publish
 * without waiting for earlier PUBACKs (up to their in-flight bound, beyond which readings wait in their buffer),
 * so a slow broker shows up as latency and unacknowledged readings, never as a slower sender. When the sender
 * itself cannot keep up, the readings it has not reached 250 ms after the end of the duration are not sent and
 * are counted as behind schedule.
 * After sending, waits up to the drain timeout for outstanding PUBACKs.
 * @throws {@link SimulatorError} BAD_ARGUMENT for a rate, duration or fleet that makes no schedule; the key and
 * sequence stores' errors when a reading cannot be numbered or signed.
 * @example
 * const result = await runLoad({ deviceIds: loadDeviceIds(100), sealer: keys, sequences,
 *   publisherFor: () => publisher, ratePerSecond: 1000, durationMs: 10_000 });
 */
export async function runLoad(options: Readonly<LoadRunOptions>): Promise<LoadResult> {
  const { ratePerSecond: rate, durationMs, deviceIds } = options;
  if (!Number.isFinite(rate) || rate <= 0) throw badArgument(`rate must be a positive number, got ${rate}`);
  if (!Number.isFinite(durationMs) || durationMs <= 0) {
    throw badArgument(`duration must be a positive number of milliseconds, got ${durationMs}`);
  }
  if (deviceIds.length === 0) throw badArgument('a load run needs at least one device');
  const tickMs = Math.max(1, options.tickMs ?? DEFAULT_TICK_MS);
  if (!Number.isFinite(tickMs))
    throw badArgument(`tick must be a finite number of milliseconds, got ${tickMs}`);
  const clock = options.clock ?? newSystemClock();
  const intervalMs = options.progressIntervalMs ?? 1000;
  const sampler = newLoadSampler(options.seed);
  // Rounded up: slot k is due at k / rate seconds, and every slot before the end of the duration counts.
  const scheduled = Math.ceil((rate * durationMs) / 1000 - 1e-9);
  const slotMs = (k: number): number => (k * 1000) / rate;

  const counts = { sent: 0, acknowledged: 0, dropped: 0, refusedByBroker: 0, refused: 0 };
  const refusedByCode: Record<string, number> = {};
  const latencies: number[] = [];
  const lags: number[] = [];
  // When each device's readings were handed to it, oldest first. A device numbers, signs and queues its
  // readings in the order it gets them, so its next signature is always for the oldest time here.
  const handedAt = new Map<string, number[]>(deviceIds.map((id) => [id, []]));
  const signedAt = new Map<SignedReading, number>();
  // Hand-over time by `deviceId/seq`, until the reading is seen committed (only with a commit feed).
  const awaitingCommit = new Map<string, number>();
  const commitLatencies: number[] = [];
  const sealer: ReadingSealer = {
    seal(reading) {
      const at = handedAt.get(reading.deviceId)?.shift() ?? clock.now();
      const signed = options.sealer.seal(reading);
      signedAt.set(signed, at);
      if (options.commits) awaitingCommit.set(`${reading.deviceId}/${reading.seq}`, at);
      return signed;
    },
  };
  const settle = (signed: SignedReading): number | undefined => {
    const at = signedAt.get(signed);
    signedAt.delete(signed);
    return at;
  };
  const devices = deviceIds.map((deviceId, index) =>
    newSimulatedDevice({
      deviceId,
      sealer,
      sequences: options.sequences,
      publisher: options.publisherFor(deviceId, index),
      bufferCapacity: options.bufferCapacity ?? 10_000,
      onAcknowledged: (signed) => {
        counts.acknowledged++;
        const at = settle(signed);
        if (at !== undefined) latencies.push(clock.now() - at);
      },
      onDropped: (signed) => {
        counts.dropped++;
        settle(signed);
      },
      onRefused: (signed) => {
        counts.refusedByBroker++;
        settle(signed);
      },
    }),
  );
  const outstanding = (): number =>
    counts.sent - counts.acknowledged - counts.dropped - counts.refusedByBroker;
  // The first reading a device could not number or sign; the run stops with its error.
  let failure: { error: unknown } | undefined;

  try {
    // Before the first reading, like the rejections: a commit must not come before its listener.
    await options.commits?.watch((readings) => {
      const now = clock.now();
      for (const { deviceId, seq } of readings) {
        const key = `${deviceId}/${seq}`;
        const at = awaitingCommit.get(key);
        if (at === undefined) continue;
        awaitingCommit.delete(key);
        commitLatencies.push(now - at);
      }
    });
    // Before the first reading: a notice about it must find the subscription in place.
    await options.rejections?.watch(deviceIds, (notice) => {
      counts.refused++;
      refusedByCode[notice.code] = (refusedByCode[notice.code] ?? 0) + 1;
    });

    // The first reading of each device would otherwise wait for its sequence block's durable write, and the
    // first second of every run would measure the disk. Chunked to bound the files open at once.
    for (let i = 0; i < deviceIds.length; i += PREPARE_CHUNK) {
      await Promise.all(deviceIds.slice(i, i + PREPARE_CHUNK).map((id) => options.sequences.prepare(id)));
    }

    const start = clock.now();
    const epochMs = (options.wallClock ?? Date.now)();
    let nextProgressAt = start + intervalMs;
    let last = { at: start, sent: 0, acknowledged: 0 };
    const dueBy = (elapsed: number): number =>
      Math.min(scheduled, Math.floor((elapsed * rate) / 1000 + 1e-9) + 1);
    const tick = (phase: LoadProgress['phase']): void => {
      const now = clock.now();
      if (now < nextProgressAt) return;
      while (nextProgressAt <= now) nextProgressAt += intervalMs;
      const seconds = (now - last.at) / 1000;
      options.onProgress?.({
        phase,
        elapsedMs: now - start,
        sent: counts.sent,
        acknowledged: counts.acknowledged,
        outstanding: outstanding(),
        dropped: counts.dropped,
        refused: counts.refusedByBroker + counts.refused,
        behind:
          phase === 'sending'
            ? Math.max(0, dueBy(now - start - tickMs - BEHIND_AFTER_MS) - counts.sent)
            : scheduled - counts.sent,
        sendRatePerSecond: seconds > 0 ? (counts.sent - last.sent) / seconds : 0,
        ackRatePerSecond: seconds > 0 ? (counts.acknowledged - last.acknowledged) / seconds : 0,
      });
      last = { at: now, sent: counts.sent, acknowledged: counts.acknowledged };
    };
    const sleepAtMost = async (ms: number, phase: LoadProgress['phase']): Promise<void> => {
      await clock.sleep(Math.min(ms, nextProgressAt - clock.now()));
      tick(phase);
    };

    let sendingEnd = start;
    // No hand-over before this offset: the tick after the last one, once the sender has caught up.
    let notBefore = 0;
    while (counts.sent < scheduled) {
      const elapsed = clock.now() - start;
      const due = dueBy(elapsed);
      if (due <= counts.sent || elapsed < notBefore) {
        await sleepAtMost(Math.max(slotMs(counts.sent), notBefore) - elapsed, 'sending');
        continue;
      }
      const until = Math.min(due, counts.sent + BATCH);
      // Caught up: wait a tick before the next hand-over, whose readings go out together then. Behind (the batch
      // bound stopped short of what is due): no wait.
      notBefore = until === due ? elapsed + tickMs : 0;
      for (let k = counts.sent; k < until; k++) {
        const device = devices[k % devices.length]!;
        const now = clock.now();
        const offset = now - start;
        lags.push(Math.max(0, offset - slotMs(k)));
        handedAt.get(device.deviceId)!.push(now);
        // Not awaited: a device waiting for its sequence store must not hold up the others' readings.
        device
          .record(sampler.sample(device.deviceId, epochMs + Math.round(offset)))
          .catch((error: unknown) => {
            failure ??= { error };
          });
        counts.sent++;
      }
      // Let the devices number, sign and publish what they were just given.
      await yieldToEventLoop();
      if (failure) throw failure.error;
      sendingEnd = clock.now();
      tick('sending');
      if (sendingEnd - start >= durationMs + END_GRACE_MS) break;
    }

    const drainStart = clock.now();
    const drainDeadline = drainStart + (options.drainTimeoutMs ?? 30_000);
    while (!failure && outstanding() > 0 && clock.now() < drainDeadline) {
      await sleepAtMost(Math.min(DRAIN_POLL_MS, drainDeadline - clock.now()), 'draining');
    }
    if (failure) throw failure.error;
    const drainMs = clock.now() - drainStart;
    const noticeDeadline = clock.now() + (options.noticeWaitMs ?? 0);
    while (clock.now() < noticeDeadline) await sleepAtMost(noticeDeadline - clock.now(), 'draining');
    // Readings the broker acknowledged and the gateway did not refuse must show up committed.
    const uncommitted = (): number =>
      Math.max(0, counts.acknowledged - counts.refused - commitLatencies.length);
    if (options.commits) {
      const commitDeadline = clock.now() + (options.commitWaitMs ?? 30_000);
      while (uncommitted() > 0 && clock.now() < commitDeadline) {
        await sleepAtMost(Math.min(DRAIN_POLL_MS * 10, commitDeadline - clock.now()), 'draining');
      }
    }
    const commit = options.commits && {
      committed: commitLatencies.length,
      notCommitted: uncommitted(),
      latencyMs: summariseLatencies(commitLatencies),
    };

    const sendingMs = Math.max(durationMs, sendingEnd - start);
    const notAcknowledged = {
      timedOut: outstanding(),
      dropped: counts.dropped,
      refusedByBroker: counts.refusedByBroker,
    };
    const notAcknowledgedTotal =
      notAcknowledged.timedOut + notAcknowledged.dropped + notAcknowledged.refusedByBroker;
    return {
      devices: devices.length,
      targetRatePerSecond: rate,
      durationMs,
      scheduled,
      sent: counts.sent,
      behindSchedule: scheduled - counts.sent,
      achievedRatePerSecond: (counts.sent * 1000) / sendingMs,
      sendingMs,
      scheduleLagMs: summariseLatencies(lags),
      tickMs,
      acknowledged: counts.acknowledged,
      acknowledgement: LOAD_ACKNOWLEDGEMENT,
      notAcknowledged: { total: notAcknowledgedTotal, ...notAcknowledged },
      refused: { total: counts.refused, byCode: { ...refusedByCode } },
      latencyMs: summariseLatencies(latencies),
      ...(commit && { commit }),
      drainMs,
      elapsedMs: clock.now() - start,
      complete: notAcknowledgedTotal === 0 && counts.refused === 0 && (commit?.notCommitted ?? 0) === 0,
    };
  } finally {
    for (const device of devices) device.detach();
  }
}
