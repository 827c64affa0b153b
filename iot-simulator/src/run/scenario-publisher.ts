import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { ReadingSealer } from '../devices/key-store';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import type { SequenceStore } from '../devices/sequence-store';
import { newSimulatedDevice, type DeviceStats, type SimulatedDevice } from '../devices/simulated-device';
import type { Sample } from '../models/sample';
import type { ScenarioPlan } from '../models/scenario-plan';

/** How fast to replay: the scenario's simulated seconds per wall second, a fixed reading rate, or flat out. */
export type Pacing = { compression: number } | { ratePerSecond: number } | 'unpaced';

export interface PublishProgress extends Omit<
  DeviceStats,
  'recorded' | 'awaitingReceipt' | 'receipted' | 'resent'
> {
  elapsedMs: number;
  total: number;
  recorded: number;
  /** Acknowledged readings per second since the start. */
  ratePerSecond: number;
  /** Estimated time until every reading is acknowledged; undefined before the first acknowledgement. */
  etaMs: number | undefined;
}

export interface PublishResult extends PublishProgress {
  /** Readings recorded but neither acknowledged nor dropped nor refused when the drain time ran out. */
  unacknowledged: number;
  /** True when every reading was acknowledged: nothing dropped, refused or left unacknowledged. */
  complete: boolean;
}

export interface PublishScenarioOptions {
  plan: ScenarioPlan;
  sealer: ReadingSealer;
  sequences: SequenceStore;
  /** The publisher carrying a device's readings; the caller decides how devices share connections. */
  publisherFor(deviceId: string, index: number): ReadingPublisher;
  pacing: Pacing;
  /** Per device (default 10,000). */
  bufferCapacity?: number;
  /** How long to wait at the end for outstanding acknowledgements (default 30 s). */
  drainTimeoutMs?: number;
  onProgress?(progress: PublishProgress): void;
  /** Default 1,000 ms. */
  progressIntervalMs?: number;
  /** Test seam; defaults to `performance.now`. */
  now?: () => number;
}

/** Wall milliseconds after the start at which sample `index` is due. */
function dueAt(pacing: Pacing, plan: ScenarioPlan, index: number, sample: Sample): number {
  if (pacing === 'unpaced') return 0;
  if ('ratePerSecond' in pacing) return (index * 1000) / pacing.ratePerSecond;
  return (sample.measuredAt - plan.scenario.startMs) / pacing.compression;
}

/** Yield to the event loop at least this often so acknowledgements and timers are handled between bursts. */
const YIELD_EVERY = 256;

/**
 * Replays a scenario through signing devices: each sample is recorded by its device (sequence number, signature,
 * bounded buffer, publish) when its wall-clock time comes. Ends when every reading is acknowledged, or when the
 * drain timeout passes; the result says which.
 * @example
 * const result = await publishScenario({ plan, sealer: keys, sequences, publisherFor: () => publisher,
 *   pacing: { ratePerSecond: 500 } });
 */
export async function publishScenario(options: Readonly<PublishScenarioOptions>): Promise<PublishResult> {
  const { plan, pacing } = options;
  const now = options.now ?? (() => performance.now());
  const devices = new Map<string, SimulatedDevice>();
  plan.devices.forEach((run, index) => {
    devices.set(
      run.device.id,
      newSimulatedDevice({
        deviceId: run.device.id,
        sealer: options.sealer,
        sequences: options.sequences,
        publisher: options.publisherFor(run.device.id, index),
        bufferCapacity: options.bufferCapacity ?? 10_000,
      }),
    );
  });
  const start = now();
  const progress = (): PublishProgress => {
    const totals = { recorded: 0, sent: 0, dropped: 0, refused: 0, buffered: 0, inFlight: 0 };
    for (const device of devices.values()) {
      const s = device.stats();
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += s[key];
    }
    const elapsedMs = now() - start;
    const ratePerSecond = elapsedMs > 0 ? (totals.sent * 1000) / elapsedMs : 0;
    const remaining = plan.totalReadings - totals.sent - totals.dropped - totals.refused;
    const etaMs = ratePerSecond > 0 ? (remaining / ratePerSecond) * 1000 : undefined;
    return { ...totals, elapsedMs, total: plan.totalReadings, ratePerSecond, etaMs };
  };
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 1000)
    : undefined;
  try {
    let index = 0;
    for (const sample of plan.samples()) {
      const wait = dueAt(pacing, plan, index, sample) - (now() - start);
      if (wait >= 1) await sleep(wait);
      else if (index % YIELD_EVERY === 0) await yieldToEventLoop();
      await devices.get(sample.deviceId)!.record(sample);
      index++;
    }
    const timeoutMs = options.drainTimeoutMs ?? 30_000;
    await Promise.all([...devices.values()].map((device) => device.drain(timeoutMs)));
  } finally {
    if (ticker) clearInterval(ticker);
    for (const device of devices.values()) device.detach();
  }
  const final = progress();
  const unacknowledged = final.buffered + final.inFlight;
  return {
    ...final,
    unacknowledged,
    complete:
      unacknowledged === 0 && final.dropped === 0 && final.refused === 0 && final.sent === final.total,
  };
}
