import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyPem, type RejectionNotice } from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { LedgerPort } from '../ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../testing/in-memory-ledger.adapter';
import { TestDevice, delivery } from '../testing/test-devices';
import { newFileDeadLetterStore } from './dead-letter.store';
import { DeviceKeyDirectory, isDeviceKeyMetrics, type KeyLookup } from './device-keys';
import { ReadingIngest } from './reading-ingest';

const operator = { org: 'ProducerMSP', role: 'operator' } as const;
const PEM = publicKeyPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

/** A ledger that knows the devices in `registered` and counts every GetDevice query, per id. */
function countingLedger(registered: ReadonlySet<string>) {
  const queries = new Map<string, number>();
  let total = 0;
  const ledger = {
    evaluate: async (_actor: unknown, fn: string, args: readonly string[]) => {
      if (fn !== 'device:GetDevice') throw new Error(`unexpected ${fn}`);
      const id = args[0] as string;
      total += 1;
      queries.set(id, (queries.get(id) ?? 0) + 1);
      if (!registered.has(id))
        throw new GatewayError(GatewayErrorCode.NotFound, `device ${id} is not registered`);
      return { deviceId: id, status: 'active', keys: [{ publicKeyPem: PEM, fromSeq: 1 }] };
    },
  } as unknown as LedgerPort;
  return { ledger, queries, total: () => total };
}

/** The directory as the edge check uses it: a refresh whenever the cached answer would refuse the reading. */
async function lookAsTheEdgeCheckDoes(devices: DeviceKeyDirectory, deviceId: string): Promise<KeyLookup> {
  const first = await devices.keyFor(deviceId, 1);
  return first.found || first.ageMs === 0 ? first : devices.refresh(deviceId, 1);
}

describe('DeviceKeyDirectory', () => {
  let now: number;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('stays within its bound under a flood of 100,000 made-up ids, at one ledger query per id per interval', async () => {
    const { ledger, queries, total } = countingLedger(new Set());
    const counted = { unknown: 0, evicted: 0 };
    const devices = new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      maxEntries: 10_000,
      now: () => now,
      metrics: {
        unknownDeviceQueried: () => (counted.unknown += 1),
        deviceKeysEvicted: () => (counted.evicted += 1),
      },
    });
    let largest = 0;
    let found = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = `ghost-${i}`;
      // Three readings per id, as a device would send them one after another.
      for (let r = 0; r < 3; r++) if ((await lookAsTheEdgeCheckDoes(devices, id)).found) found += 1;
      const { known, unknown } = devices.stats();
      largest = Math.max(largest, known + unknown);
      if (i % 10 === 0) now += 1; // 100,000 ids over 10 s: ten intervals
    }
    expect(found).toBe(0);
    expect(largest).toBe(10_000);
    expect(total()).toBe(100_000);
    expect([...queries.values()].every((n) => n === 1)).toBe(true);
    expect(devices.stats()).toEqual({
      known: 0,
      unknown: 10_000,
      unknownQueries: 100_000,
      evictions: 90_000,
    });
    expect(counted).toEqual({ unknown: 100_000, evicted: 90_000 });

    // Within the interval a remembered id costs nothing more; past it, one query again.
    expect((await lookAsTheEdgeCheckDoes(devices, 'ghost-99999')).found).toBe(false);
    expect(queries.get('ghost-99999')).toBe(1);
    now += 1000;
    expect((await lookAsTheEdgeCheckDoes(devices, 'ghost-99999')).found).toBe(false);
    expect((await lookAsTheEdgeCheckDoes(devices, 'ghost-99999')).found).toBe(false);
    expect(queries.get('ghost-99999')).toBe(2);
  });

  it('asks the ledger once for concurrent lookups of the same unknown id', async () => {
    const { ledger, total } = countingLedger(new Set());
    const devices = new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      now: () => now,
    });
    const lookups = await Promise.all(
      Array.from({ length: 50 }, () => lookAsTheEdgeCheckDoes(devices, 'ghost')),
    );
    expect(lookups.every((l) => !l.found)).toBe(true);
    expect(total()).toBe(1);
  });

  it('keeps a device in use while the least recently used ones make room, and unknown ids never push it out', async () => {
    const { ledger, queries } = countingLedger(new Set(['a', 'b', 'c', 'd', 'e']));
    const devices = new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      maxEntries: 3,
      now: () => now,
    });
    for (const id of ['a', 'b', 'c']) expect((await devices.keyFor(id, 1)).found).toBe(true);
    for (const id of ['d', 'e']) {
      expect((await devices.keyFor('a', 1)).found).toBe(true); // 'a' stays the most recently used
      expect((await devices.keyFor(id, 1)).found).toBe(true);
    }
    for (let i = 0; i < 1000; i++) await lookAsTheEdgeCheckDoes(devices, `ghost-${i}`);
    expect(devices.stats()).toMatchObject({ known: 3, unknown: 3 });

    expect(await devices.keyFor('a', 1)).toMatchObject({ found: true });
    expect(queries.get('a')).toBe(1);
    // 'b' and 'c' were the least recently used: dropped, so read again.
    await devices.keyFor('b', 1);
    expect(queries.get('b')).toBe(2);
  });

  it('reads a device again once its keys are older than the TTL, and finds one registered after a miss', async () => {
    const registered = new Set<string>();
    const { ledger, queries } = countingLedger(registered);
    const devices = new DeviceKeyDirectory({
      ledger,
      actor: operator,
      ttlMs: 60_000,
      unknownTtlMs: 1000,
      now: () => now,
    });
    expect((await lookAsTheEdgeCheckDoes(devices, 'late')).found).toBe(false);
    registered.add('late');
    now += 1000;
    expect((await lookAsTheEdgeCheckDoes(devices, 'late')).found).toBe(true);
    now += 59_999;
    await devices.keyFor('late', 1);
    expect(queries.get('late')).toBe(2);
    now += 1;
    await devices.keyFor('late', 1);
    expect(queries.get('late')).toBe(3);
  });

  it('refuses a bound that is not a positive integer', () => {
    const { ledger } = countingLedger(new Set());
    const options = { ledger, actor: operator, ttlMs: 1, unknownTtlMs: 1, now: () => now };
    expect(() => new DeviceKeyDirectory({ ...options, maxEntries: 0 })).toThrow(RangeError);
    expect(() => new DeviceKeyDirectory({ ...options, maxEntries: 2.5 })).toThrow(RangeError);
  });

  it('tells metrics that count its events from those that do not', () => {
    expect(isDeviceKeyMetrics({ received: () => undefined })).toBe(false);
    expect(
      isDeviceKeyMetrics({ unknownDeviceQueried: () => undefined, deviceKeysEvicted: () => undefined }),
    ).toBe(true);
  });
});

describe('DeviceKeyDirectory behind the ingest pipeline', () => {
  it('costs one ledger query for 20 readings of an unregistered device, each refused UNKNOWN_DEVICE', async () => {
    const ledger = new InMemoryLedgerAdapter();
    const evaluate = jest.spyOn(ledger, 'evaluate');
    const notices: RejectionNotice[] = [];
    const ingest = new ReadingIngest({
      ledger,
      actor: operator,
      devices: new DeviceKeyDirectory({
        ledger,
        actor: operator,
        ttlMs: 60_000,
        unknownTtlMs: 60_000,
        now: Date.now,
      }),
      notify: (notice) => notices.push(notice),
      metrics: {
        received: () => undefined,
        refused: () => undefined,
        committed: () => undefined,
        acknowledged: () => undefined,
        retried: () => undefined,
      },
      log: { warn: () => undefined, error: () => undefined },
      now: Date.now,
      maxClockAheadMs: 300_000,
      batch: { maxSize: 10, windowMs: 5, maxConcurrent: 1 },
      retry: { minDelayMs: 5, maxDelayMs: 20, boundMs: 60_000 },
      deadLetters: newFileDeadLetterStore({
        directory: mkdtempSync(join(tmpdir(), 'provena-dl-')),
        maxEntries: 10,
      }),
    });
    const ghost = new TestDevice('ghost');
    const deliveries = Array.from({ length: 20 }, () => delivery('ghost', ghost.reading().payload));
    for (const d of deliveries) {
      ingest.accept(d);
      // One at a time, so each reading finds the answer the previous one cached (not a shared in-flight query).
      const deadline = Date.now() + 5000;
      while (!d.acked() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    }
    expect(deliveries.every((d) => d.acked())).toBe(true);
    expect(notices).toHaveLength(20);
    expect(notices.every((n) => n.code === 'UNKNOWN_DEVICE')).toBe(true);
    expect(evaluate.mock.calls.filter(([, fn]) => fn === 'device:GetDevice')).toHaveLength(1);
    await ingest.stop();
  });
});
