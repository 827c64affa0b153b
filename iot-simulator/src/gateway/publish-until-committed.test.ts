import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSignedReading, type SignedReading } from '@provena/wire';
import { SimulatorErrorCode } from '../errors';
import { openFileKeyStore, type DeviceKeyStore } from '../devices/key-store';
import { newMemoryReadingPublisher, type MemoryReadingPublisher } from '../devices/memory-publisher.adapter';
import { newMemoryRejectionFeed, type MemoryRejectionFeed } from '../devices/memory-rejection-feed.adapter';
import { newMemorySequenceStore } from '../devices/sequence-store';
import type { Sample } from '../models/sample';
import type { CommitProgress } from './commit-tracker';
import type { LedgerReader, RecordedReading, RegisteredDeviceKey } from './ledger-reader.port';
import { newMemoryCommitFeed, type MemoryCommitFeed } from './memory-commit-feed.adapter';
import { newSteppingClock, type SteppingClock } from '../testing/stepping-clock';
import {
  checkDeviceKeys,
  findScenarioOnLedger,
  publishUntilCommitted,
  type PublishUntilCommittedOptions,
} from './publish-until-committed';

/** The ledger as the gateway would show it: readings recorded, keys registered. */
interface MemoryLedger extends LedgerReader {
  readonly readings: RecordedReading[];
  readonly keys: Map<string, RegisteredDeviceKey[]>;
  lookups: number;
}

function newMemoryLedger(): MemoryLedger {
  const ledger: MemoryLedger = {
    readings: [],
    keys: new Map(),
    lookups: 0,
    readingsOf(deviceId, fromMs, toMs) {
      ledger.lookups++;
      return Promise.resolve(
        ledger.readings
          .filter((r) => r.deviceId === deviceId && r.measuredAt >= fromMs && r.measuredAt < toMs)
          .sort((a, b) => a.measuredAt - b.measuredAt),
      );
    },
    deviceKeys: (deviceId) => Promise.resolve(ledger.keys.get(deviceId)),
    shipmentProvenance: () => Promise.reject(new Error('not used here')),
  };
  return ledger;
}

function record(ledger: MemoryLedger, { reading }: SignedReading): void {
  ledger.readings.push({ ...reading, txId: `tx-${reading.deviceId}-${reading.seq}` });
}

const T0 = Date.UTC(2026, 2, 2, 8);
const DEVICES = ['logger-unit-1', 'tracker-unit-1'];

/** `count` readings per device, ten seconds apart, in time order. */
function samples(count: number): Sample[] {
  const all: Sample[] = [];
  for (let i = 0; i < count; i++) {
    for (const deviceId of DEVICES) {
      all.push({
        deviceId,
        measuredAt: T0 + i * 10_000,
        shipmentId: 'SHP-UNIT-1',
        measurements: { temperatureC: 4 + i / 10 },
      });
    }
  }
  return all;
}

describe('publishing until committed', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  let publisher: MemoryReadingPublisher;
  let rejections: MemoryRejectionFeed;
  let commits: MemoryCommitFeed;
  let ledger: MemoryLedger;
  let clock: SteppingClock;
  let taken: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-demo-unit-'));
    keys = await openFileKeyStore({ directory: dir });
    for (const id of DEVICES) await keys.ensureKey(id);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    publisher = newMemoryReadingPublisher();
    rejections = newMemoryRejectionFeed();
    commits = newMemoryCommitFeed();
    ledger = newMemoryLedger();
    clock = newSteppingClock();
    taken = 0;
  });

  /** Plays the gateway: on every tick, hands what the broker acknowledged since the last one to `handle`. */
  function gateway(handle: (signed: SignedReading[]) => void): void {
    clock.onSleep(() => {
      const fresh = publisher.acknowledged.slice(taken).map((p) => decodeSignedReading(p.payload));
      taken = publisher.acknowledged.length;
      if (fresh.length > 0) handle(fresh);
    });
  }

  const run = (overrides: Partial<PublishUntilCommittedOptions> = {}) => {
    const toPublish = overrides.samples ?? samples(5);
    return publishUntilCommitted({
      samples: toPublish,
      deviceIds: DEVICES,
      total: toPublish.length,
      onLedgerBefore: 0,
      sealer: keys,
      sequences: newMemorySequenceStore(),
      publisherFor: () => publisher,
      rejections,
      commits,
      ledger,
      commitWaitMs: 120_000,
      clock,
      ...overrides,
    });
  };

  it('ends as soon as every reading is committed, counting commits from ingest events, not acknowledgements', async () => {
    gateway((readings) => {
      for (const r of readings) record(ledger, r);
      commits.commit(readings.map((r) => ({ deviceId: r.reading.deviceId, seq: r.reading.seq })));
    });
    const progress: CommitProgress[] = [];
    const result = await run({ onProgress: (p) => progress.push(p) });
    expect(result.complete).toBe(true);
    expect(result.progress).toMatchObject({
      total: 10,
      toPublish: 10,
      published: 10,
      acknowledged: 10,
      committed: 10,
      refused: 0,
      outstanding: 0,
      foundByLookup: 0,
    });
    expect(result.notCommitted).toEqual([]);
    expect(result.elapsedMs).toBeLessThan(1000);
    expect(progress.at(-1)).toEqual(result.progress);
    expect(rejections.watched).toEqual(new Set(DEVICES));
  });

  it('ends without waiting when the rest is refused, with each refused reading and the reason', async () => {
    gateway((readings) => {
      const good = readings.filter((r) => r.reading.deviceId === 'logger-unit-1');
      commits.commit(good.map((r) => ({ deviceId: r.reading.deviceId, seq: r.reading.seq })));
      for (const r of readings.filter((x) => x.reading.deviceId === 'tracker-unit-1')) {
        rejections.notify({
          deviceId: r.reading.deviceId,
          seq: r.reading.seq,
          code: 'SHIPMENT_MISMATCH',
          reason: `device ${r.reading.deviceId} is not attached to shipment SHP-UNIT-1`,
        });
      }
    });
    const result = await run();
    expect(result.complete).toBe(false);
    expect(result.progress).toMatchObject({ committed: 5, refused: 5, outstanding: 0 });
    expect(result.refused.map((r) => [r.deviceId, r.seq, r.code, r.by])).toEqual(
      [1, 2, 3, 4, 5].map((seq) => ['tracker-unit-1', seq, 'SHIPMENT_MISMATCH', 'gateway']),
    );
    expect(result.refused[0]?.reason).toBe('device tracker-unit-1 is not attached to shipment SHP-UNIT-1');
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('gives up after the commit wait without news, listing the readings never seen committed', async () => {
    // The gateway records the logger's readings and says nothing of the tracker's.
    gateway((readings) => {
      const logger = readings.filter((r) => r.reading.deviceId === 'logger-unit-1');
      for (const r of logger) record(ledger, r);
      commits.commit(logger.map((r) => ({ deviceId: r.reading.deviceId, seq: r.reading.seq })));
    });
    const result = await run({ commitWaitMs: 30_000 });
    expect(result.complete).toBe(false);
    expect(result.progress).toMatchObject({ acknowledged: 10, committed: 5, outstanding: 5 });
    expect(result.notCommitted).toEqual(
      [1, 2, 3, 4, 5].map((seq) => ({
        deviceId: 'tracker-unit-1',
        seq,
        measuredAt: T0 + (seq - 1) * 10_000,
        acknowledged: true,
      })),
    );
    expect(result.elapsedMs).toBeGreaterThanOrEqual(30_000);
    expect(result.elapsedMs).toBeLessThan(31_000);
    // Before giving up, the ledger was asked about what was outstanding.
    expect(ledger.lookups).toBeGreaterThan(0);
  });

  it('counts readings the broker never acknowledged as not committed, saying so', async () => {
    publisher = newMemoryReadingPublisher({ connected: false });
    const result = await run({ commitWaitMs: 5_000 });
    expect(result.progress).toMatchObject({ published: 10, acknowledged: 0, committed: 0, outstanding: 10 });
    expect(result.notCommitted.every((r) => !r.acknowledged)).toBe(true);
  });

  it('looks readings up on the ledger when an ingest event reports duplicates, and counts those it finds', async () => {
    // The ledger has them, but the events that named them were missed (a stream reconnect); what arrives is a
    // transaction of duplicates, which names nobody.
    gateway((readings) => {
      for (const r of readings) record(ledger, r);
      commits.commit([], { duplicates: readings.length });
    });
    const result = await run();
    expect(result.complete).toBe(true);
    expect(result.progress).toMatchObject({ committed: 10, foundByLookup: 10, duplicatesReported: 10 });
    expect(result.elapsedMs).toBeLessThan(5_000);
  });

  it('looks outstanding readings up once more at the end, so a missed event does not fail the run', async () => {
    gateway((readings) => {
      for (const r of readings) record(ledger, r);
    });
    const result = await run({ commitWaitMs: 10_000 });
    expect(result.complete).toBe(true);
    expect(result.progress).toMatchObject({ committed: 10, foundByLookup: 10 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(10_000);
  });

  it('reports a failed final look-up instead of hiding it', async () => {
    ledger.readingsOf = () =>
      Promise.reject(new Error('the gateway at http://127.0.0.1:3000 does not answer'));
    const result = await run({ commitWaitMs: 1_000 });
    expect(result.complete).toBe(false);
    expect(result.lookupError).toBe('the gateway at http://127.0.0.1:3000 does not answer');
  });

  it('counts readings already on the ledger in the committed total', async () => {
    gateway((readings) =>
      commits.commit(readings.map((r) => ({ deviceId: r.reading.deviceId, seq: r.reading.seq }))),
    );
    const result = await run({ samples: samples(2), total: 10, onLedgerBefore: 6 });
    expect(result.complete).toBe(true);
    expect(result.progress).toMatchObject({ total: 10, toPublish: 4, published: 4, committed: 10 });
  });
});

describe('what the ledger already holds of a scenario', () => {
  it('matches samples by device and measurement time whatever their sequence numbers, and notes changed content', async () => {
    const ledger = newMemoryLedger();
    const all = samples(4);
    // An earlier run recorded the first two of each device, under its own sequence numbers; the logger's second
    // reading was recorded with other measurements (the scenario changed since).
    for (const [i, s] of all.slice(0, 4).entries()) {
      ledger.readings.push({
        ...s,
        seq: 1001 + i,
        txId: 'tx-earlier',
        measurements: i === 2 ? { temperatureC: 99 } : s.measurements,
      });
    }
    // Another device, and a reading outside the scenario's times, change nothing.
    ledger.readings.push({ ...all[0]!, deviceId: 'someone-else', seq: 1, txId: 'tx-x' });
    ledger.readings.push({ ...all[0]!, measuredAt: T0 - 10_000, seq: 7, txId: 'tx-y' });

    const found = await findScenarioOnLedger({ samples: () => all.values() }, ledger);
    expect(found.onLedger).toBe(4);
    expect(found.missing).toEqual(all.slice(4));
    expect(found.differing).toEqual([{ deviceId: 'logger-unit-1', seq: 1003, measuredAt: T0 + 10_000 }]);
  });
});

describe('checking device keys before publishing', () => {
  let dir: string;
  let keys: DeviceKeyStore;
  let otherKeys: DeviceKeyStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-demo-keys-'));
    keys = await openFileKeyStore({ directory: join(dir, 'a') });
    otherKeys = await openFileKeyStore({ directory: join(dir, 'b') });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes when the ledger’s latest key of each device is the key store’s, in any PEM layout', async () => {
    const ledger = newMemoryLedger();
    const pem = await keys.ensureKey('logger-unit-1');
    const older = await otherKeys.ensureKey('logger-unit-1');
    ledger.keys.set('logger-unit-1', [
      { publicKeyPem: older, fromSeq: 1 },
      { publicKeyPem: pem.replace(/\n/g, '\r\n'), fromSeq: 1001 },
    ]);
    await expect(
      checkDeviceKeys(['logger-unit-1'], ledger, (id) => keys.ensureKey(id)),
    ).resolves.toBeUndefined();
  });

  it('names every device registered with another key or not at all, before a reading is refused for it', async () => {
    const ledger = newMemoryLedger();
    ledger.keys.set('logger-unit-1', [
      { publicKeyPem: await otherKeys.ensureKey('logger-unit-1'), fromSeq: 1 },
    ]);
    await expect(
      checkDeviceKeys(['logger-unit-1', 'tracker-unit-1'], ledger, (id) => keys.ensureKey(id)),
    ).rejects.toMatchObject({
      code: SimulatorErrorCode.DeviceKeyMismatch,
      message: expect.stringContaining(
        'logger-unit-1 is registered with another public key than the one in the key store; ' +
          'tracker-unit-1 is not registered on the ledger: the ledger would refuse their readings',
      ),
    });
  });
});
