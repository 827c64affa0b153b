import { createPublicKey } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { canonicalJson, type SignedReading } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReadingSealer } from '../devices/key-store';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import type { ReceiptFeed } from '../devices/receipt-feed.port';
import type { RejectionFeed } from '../devices/rejection-feed.port';
import type { SequenceStore } from '../devices/sequence-store';
import { newSimulatedDevice, type SimulatedDevice } from '../devices/simulated-device';
import { newSystemClock, type Clock } from '../load/clock.port';
import type { CommitFeed, CommittedReading } from '../load/commit-feed.port';
import type { Sample } from '../models/sample';
import {
  newCommitTracker,
  type CommitProgress,
  type OutstandingReading,
  type RefusedReading,
} from './commit-tracker';
import type { LedgerReader, RecordedReading } from './ledger-reader.port';

/** What the ledger already holds of a scenario, matched by device and measurement time. */
export interface ScenarioOnLedger {
  /** The scenario's samples the ledger has no reading of, in time order: what a run publishes. */
  missing: Sample[];
  /** Samples the ledger has a reading of (same device, same `measuredAt`). */
  onLedger: number;
  /**
   * Of those, readings whose shipment or measurements differ from the scenario's sample: the scenario was changed
   * after they were recorded. The ledger keeps them; nothing is published in their place.
   */
  differing: { deviceId: string; seq: number; measuredAt: number }[];
}

/** The shipment and measurements of a reading as one comparable string. */
function contentOf(reading: Pick<Sample, 'shipmentId' | 'measurements'>): string {
  return canonicalJson({ shipmentId: reading.shipmentId ?? null, measurements: reading.measurements });
}

/**
 * Finds which of a scenario's samples the ledger already has a reading of. A scenario's samples are the same on
 * every run (seed and start are in the file), so a reading of the same device measured at the same instant is
 * that sample, whatever sequence number it was given: a rerun publishes only what is missing, and the ledger
 * does not get the scenario twice under new sequence numbers.
 */
export async function findScenarioOnLedger(
  plan: { samples(): Iterable<Sample> },
  ledger: LedgerReader,
): Promise<ScenarioOnLedger> {
  const samples = [...plan.samples()];
  const spans = new Map<string, { from: number; to: number }>();
  for (const s of samples) {
    const span = spans.get(s.deviceId);
    if (!span) spans.set(s.deviceId, { from: s.measuredAt, to: s.measuredAt });
    else {
      span.from = Math.min(span.from, s.measuredAt);
      span.to = Math.max(span.to, s.measuredAt);
    }
  }
  const recorded = new Map<string, Map<number, RecordedReading>>();
  for (const [deviceId, { from, to }] of spans) {
    const byTime = new Map<number, RecordedReading>();
    for (const r of await ledger.readingsOf(deviceId, from, to + 1)) {
      // Two readings at one instant (an earlier run's copy): either stands for the sample; keep the first.
      if (!byTime.has(r.measuredAt)) byTime.set(r.measuredAt, r);
    }
    recorded.set(deviceId, byTime);
  }
  const result: ScenarioOnLedger = { missing: [], onLedger: 0, differing: [] };
  for (const sample of samples) {
    const found = recorded.get(sample.deviceId)?.get(sample.measuredAt);
    if (!found) {
      result.missing.push(sample);
      continue;
    }
    result.onLedger++;
    if (contentOf(found) !== contentOf(sample)) {
      result.differing.push({ deviceId: found.deviceId, seq: found.seq, measuredAt: found.measuredAt });
    }
  }
  return result;
}

function samePublicKey(a: string, b: string): boolean {
  const der = (pem: string): Buffer => createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/**
 * Checks that the ledger verifies new readings of each device with the key this simulator signs with (its latest
 * registered key). Provisioning leaves a registered device as it is, so a key store replaced after provisioning
 * would otherwise show up as every reading refused.
 * @throws {@link SimulatorError} DEVICE_KEY_MISMATCH naming every device whose key differs or that is not registered.
 */
export async function checkDeviceKeys(
  deviceIds: readonly string[],
  ledger: LedgerReader,
  publicKeyOf: (deviceId: string) => Promise<string>,
): Promise<void> {
  const problems: string[] = [];
  for (const deviceId of deviceIds) {
    const keys = await ledger.deviceKeys(deviceId);
    const latest = keys?.at(-1);
    if (!latest) problems.push(`${deviceId} is not registered on the ledger`);
    else if (!samePublicKey(latest.publicKeyPem, await publicKeyOf(deviceId))) {
      problems.push(`${deviceId} is registered with another public key than the one in the key store`);
    }
  }
  if (problems.length > 0) {
    throw new SimulatorError(
      SimulatorErrorCode.DeviceKeyMismatch,
      `${problems.join('; ')}: the ledger would refuse ${problems.length === 1 ? 'its' : 'their'} readings. ` +
        'Use the state folder the devices were provisioned from (--state), or start from a fresh ledger.',
    );
  }
}

export interface PublishUntilCommittedOptions {
  /** The samples to publish, in time order (see {@link findScenarioOnLedger}). */
  samples: readonly Sample[];
  /** Every device of the scenario, in scenario order: its index picks its publisher. */
  deviceIds: readonly string[];
  /** The scenario's readings, including those already on the ledger. */
  total: number;
  /** Readings of the scenario found on the ledger before publishing. */
  onLedgerBefore: number;
  sealer: ReadingSealer;
  sequences: SequenceStore;
  publisherFor(deviceId: string, index: number): ReadingPublisher;
  /** Where refusals arrive: the devices' rejection topics. */
  rejections: RejectionFeed;
  /**
   * Where receipts arrive (the devices' receipts topics). With one, each device keeps a reading until a receipt
   * or a refusal settles it and publishes it again after `resendAfterMs` without one, as the README's device
   * protocol asks of firmware: then a broker that loses readings it acknowledged loses nothing on the ledger.
   */
  receipts?: ReceiptFeed;
  /** With `receipts`: how long after the broker's PUBACK a device waits for a receipt before resending (30 s). */
  resendAfterMs?: number;
  /** Where commits arrive: the gateway's ingest events. */
  commits: CommitFeed;
  /** Where readings are looked up when the events cannot say: after duplicates, and at the end. */
  ledger: LedgerReader;
  /** Give up once this long passes, after the last reading is handed over, with nothing committed or refused. */
  commitWaitMs: number;
  /** Readings each device keeps while the broker is slow or away (default: all it has to send, at least 10,000). */
  bufferCapacity?: number;
  /** After ingest events report duplicates, look outstanding readings up at most this often (default 1 s). */
  lookupIntervalMs?: number;
  onProgress?(progress: CommitProgress): void;
  /** Default 1,000 ms. */
  progressIntervalMs?: number;
  /** Defaults to the system's monotonic clock. */
  clock?: Clock;
}

export interface PublishUntilCommittedResult {
  progress: CommitProgress;
  /** Every reading committed: none refused, none outstanding. */
  complete: boolean;
  refused: RefusedReading[];
  /** Published and neither seen committed nor refused when the wait ran out. */
  notCommitted: OutstandingReading[];
  /**
   * Notices on the devices' rejection topics that named no reading of this run (a late one about an earlier
   * run's reading, or one without a sequence number). Reported; they fail nothing by themselves, since a reading
   * of this run they were about stays outstanding.
   */
  unattributedNotices: { deviceId: string; seq?: number; code: string; reason: string }[];
  /** Why the last look-up on the ledger failed, when it did. */
  lookupError?: string;
  /** With receipts: readings the devices published again because no receipt came in time. */
  resent: number;
  elapsedMs: number;
}

/**
 * How long a device waits for a receipt after the broker's PUBACK before publishing the reading again. Well above
 * publish→commit at rest (p50 0.3 s, p99 under 2 s at the benchmark's knee), so a resend means a loss, not a
 * slow commit.
 */
export const DEFAULT_RESEND_AFTER_MS = 30_000;

/** How long the wait sleeps between looks at the tally. */
const POLL_MS = 50;
/** Readings handed to devices before the event loop gets a turn for acknowledgements and events. */
const YIELD_EVERY = 256;

/**
 * Publishes samples through signing devices (MQTT 5, QoS 1 in the CLI) and follows each reading to the ledger:
 * committed when an ingest event names it, refused when a notice on its device's rejection topic (or the broker's
 * reason code) says so. Ends when every reading is one or the other, or when `commitWaitMs` passes with no
 * change after the last hand-over; readings still outstanding then are looked up on the ledger once more (an
 * event can be missed: the stream reconnecting, a redelivered copy committed as a duplicate) before they are
 * reported as not committed.
 *
 * Duplicates are not refusals: the gateway acknowledges them without a notice, and the ingest event counts them
 * without naming them. When an event reports some, outstanding readings are looked up on the ledger.
 * @example
 * const result = await publishUntilCommitted({ samples, deviceIds, total: samples.length, onLedgerBefore: 0,
 *   sealer: keys, sequences, publisherFor: () => publisher, rejections, commits, ledger: client,
 *   commitWaitMs: 120_000 });
 */
export async function publishUntilCommitted(
  options: Readonly<PublishUntilCommittedOptions>,
): Promise<PublishUntilCommittedResult> {
  const clock = options.clock ?? newSystemClock();
  const start = clock.now();
  const intervalMs = options.progressIntervalMs ?? 1000;
  const tracker = newCommitTracker({ total: options.total, onLedgerBefore: options.onLedgerBefore });
  const measuredAt = new Map<string, number>();
  let lookupWanted = false;

  const perDevice = new Map<string, number>();
  for (const s of options.samples) perDevice.set(s.deviceId, (perDevice.get(s.deviceId) ?? 0) + 1);
  const capacity = options.bufferCapacity ?? Math.max(10_000, ...perDevice.values());

  const ref = (signed: SignedReading): CommittedReading => ({
    deviceId: signed.reading.deviceId,
    seq: signed.reading.seq,
  });
  const sealer: ReadingSealer = {
    seal(reading) {
      const signed = options.sealer.seal(reading);
      tracker.published({ deviceId: reading.deviceId, seq: reading.seq, measuredAt: reading.measuredAt });
      measuredAt.set(`${reading.deviceId}/${reading.seq}`, reading.measuredAt);
      return signed;
    },
  };
  const devices = new Map<string, SimulatedDevice>();
  options.deviceIds.forEach((deviceId, index) => {
    if (!perDevice.has(deviceId)) return;
    devices.set(
      deviceId,
      newSimulatedDevice({
        deviceId,
        sealer,
        sequences: options.sequences,
        publisher: options.publisherFor(deviceId, index),
        bufferCapacity: capacity,
        ...(options.receipts && {
          receipts: { resendAfterMs: options.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS },
        }),
        onAcknowledged: (signed) => tracker.acknowledged(ref(signed)),
        onRefused: (signed, error) => tracker.lost(ref(signed), 'broker', error.code, error.message),
        onDropped: (signed) =>
          tracker.lost(
            ref(signed),
            'device',
            'DROPPED',
            `dropped from a full buffer of ${capacity} readings`,
          ),
      }),
    );
  });

  let nextProgressAt = start + intervalMs;
  const tick = (): void => {
    const now = clock.now();
    if (now < nextProgressAt) return;
    while (nextProgressAt <= now) nextProgressAt += intervalMs;
    options.onProgress?.(tracker.progress());
  };

  // Outstanding readings the ledger has: counted committed. Grouped by device, one ranged query each.
  const lookUp = async (): Promise<void> => {
    const byDevice = new Map<string, OutstandingReading[]>();
    for (const r of tracker.outstanding()) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r]);
    for (const [deviceId, readings] of byDevice) {
      const times = readings.map((r) => r.measuredAt);
      const found = await options.ledger.readingsOf(deviceId, Math.min(...times), Math.max(...times) + 1);
      tracker.foundOnLedger(found.filter((r) => measuredAt.get(`${r.deviceId}/${r.seq}`) === r.measuredAt));
    }
  };

  let lookupError: string | undefined;
  let resent = 0;
  try {
    // Both before the first reading: a commit or a notice must not come before its listener.
    await options.commits.watch((readings, transaction) => {
      tracker.committed(readings, transaction);
      if (transaction.duplicates > 0) lookupWanted = true;
    });
    await options.rejections.watch([...devices.keys()], (notice) => {
      tracker.notice(notice);
      if (notice.seq !== undefined) devices.get(notice.deviceId)?.rejected(notice.seq);
    });
    await options.receipts?.watch([...devices.keys()], (receipt) =>
      devices.get(receipt.deviceId)?.receipted(receipt.seqs),
    );

    let handed = 0;
    for (const sample of options.samples) {
      await devices.get(sample.deviceId)!.record(sample);
      if (++handed % YIELD_EVERY === 0) {
        await yieldToEventLoop();
        tick();
      }
    }

    const lookupEvery = options.lookupIntervalMs ?? 1000;
    let nextLookupAt = clock.now();
    let lastChangeAt = clock.now();
    const moved = (): number => {
      const p = tracker.progress();
      return p.committed + p.refused;
    };
    let last = moved();
    while (!tracker.settled()) {
      const now = clock.now();
      if (moved() !== last) {
        last = moved();
        lastChangeAt = now;
      }
      if (now - lastChangeAt >= options.commitWaitMs) break;
      if (lookupWanted && now >= nextLookupAt) {
        lookupWanted = false;
        nextLookupAt = now + lookupEvery;
        // A failed look-up is tried again at the end; the events may settle everything meanwhile.
        await lookUp().catch(() => undefined);
        continue;
      }
      await clock.sleep(Math.max(1, Math.min(POLL_MS, lastChangeAt + options.commitWaitMs - now)));
      tick();
    }
    if (!tracker.settled() && tracker.outstanding().length > 0) {
      await lookUp().catch((err: unknown) => {
        lookupError = err instanceof Error ? err.message : String(err);
      });
    }
  } finally {
    for (const device of devices.values()) {
      resent += device.stats().resent;
      device.detach();
    }
  }

  const progress = tracker.progress();
  options.onProgress?.(progress);
  const unattributedNotices = tracker.unattributed();
  const refused = tracker.refusals();
  const notCommitted = tracker.outstanding();
  return {
    progress,
    complete: progress.published === progress.toPublish && refused.length === 0 && notCommitted.length === 0,
    refused,
    notCommitted,
    unattributedNotices,
    ...(lookupError !== undefined && { lookupError }),
    resent,
    elapsedMs: clock.now() - start,
  };
}
