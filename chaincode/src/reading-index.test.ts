import type { ReadingRecord } from './reading-ingest';
import type { ShipmentProvenance } from './provenance.query';
import { MAX_ENTRY_SEQ_SPAN, MAX_ENTRY_TIME_SPAN_MS } from './reading-index';
import {
  as,
  contracts,
  newTestDevice,
  reading,
  Scenario,
  sign,
  type TestDevice,
} from './testing/test-fixtures';

// The reading views are served from one index entry per device (and shipment) and transaction. These tests hold
// them to what one index key per reading gave: the same readings, in the same order, in the same pages, with the
// same bookmarks (the next reading's index key under the old layout), whatever the transactions looked like.

const { reading: readings, shipment } = contracts;
const T0 = Date.UTC(2026, 9, 1);
const MINUTE = 60_000;

type Page = { items: ReadingRecord[]; bookmark: string; fetchedRecordsCount: number };
type Recorded = { deviceId: string; seq: number; measuredAt: number; shipmentId?: string; txId: string };

const pad = (n: number): string => String(n).padStart(16, '0');
/** The old per-reading index keys, which are the views' positions and bookmarks. */
const timePosition = (r: Recorded): string => `reading-time/${r.deviceId}/${pad(r.measuredAt)}/${pad(r.seq)}`;
const shipmentPosition = (r: Recorded): string =>
  `\u0000reading~shipment\u0000${r.shipmentId}\u0000${r.deviceId}\u0000${pad(r.seq)}\u0000`;
const byPosition =
  (position: (r: Recorded) => string) =>
  (a: Recorded, b: Recorded): number =>
    position(a) < position(b) ? -1 : position(a) > position(b) ? 1 : 0;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Walks every page of a query, returning each page's (deviceId, seq) list, bookmark and count. */
async function walk(
  query: (bookmark: string) => Promise<Page>,
): Promise<{ items: string[]; bookmark: string; fetchedRecordsCount: number }[]> {
  const pages = [];
  let bookmark = '';
  do {
    const page = await query(bookmark);
    pages.push({
      items: page.items.map((r) => `${r.reading.deviceId}#${r.reading.seq}`),
      bookmark: page.bookmark,
      fetchedRecordsCount: page.fetchedRecordsCount,
    });
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return pages;
}

/** The pages one index key per reading gave: `pageSize` readings each, the bookmark naming the next one. */
function expectedPages(sorted: Recorded[], pageSize: number, position: (r: Recorded) => string) {
  const pages = [];
  for (let i = 0; i === 0 || i < sorted.length; i += pageSize) {
    const items = sorted.slice(i, i + pageSize);
    const next = sorted[i + pageSize];
    pages.push({
      items: items.map((r) => `${r.deviceId}#${r.seq}`),
      bookmark: next ? position(next) : '',
      fetchedRecordsCount: items.length,
    });
  }
  return pages;
}

describe('reading views from per-transaction index entries', () => {
  // 'dev-a' < 'dev-a.x' in composite-key order, the reverse of their order as `<id>/` simple-key segments.
  const devices: TestDevice[] = ['dev-a', 'dev-a.x', 'dev-b'].map(newTestDevice);
  const deviceOf = (id: string): TestDevice => devices.find((d) => d.deviceId === id)!;
  let s: Scenario;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    s = new Scenario();
    for (const d of devices) await s.registerDevice(d);
    await s.createShipment('S1');
    await s.createShipment('S2');
    await s.attach('S1', ['dev-a', 'dev-a.x', 'dev-b']);
    await s.attach('S2', ['dev-b']);

    // Per device: 60 readings over five hours, measurement times not in sequence order, plus stragglers far
    // beyond, so entries span several time and sequence chunks; spread over 10 transactions at random, so a
    // device's entries interleave in time and in sequence numbers.
    const next = random(14);
    const planned: Omit<Recorded, 'txId'>[] = [];
    for (const { deviceId } of devices) {
      const seqs = [...Array.from({ length: 60 }, (_, i) => i + 1), 1_200, 1_201, 1_202, 2_500];
      for (const seq of seqs) {
        const measuredAt = T0 + Math.floor(next() * 300) * MINUTE + seq;
        const roll = next();
        const shipmentId =
          deviceId === 'dev-b'
            ? roll < 0.4
              ? 'S1'
              : roll < 0.8
                ? 'S2'
                : undefined
            : roll < 0.85
              ? 'S1'
              : undefined;
        planned.push({ deviceId, seq, measuredAt, ...(shipmentId && { shipmentId }) });
      }
    }
    const batches: (typeof planned)[] = Array.from({ length: 10 }, () => []);
    for (const r of planned) batches[Math.floor(next() * batches.length)]!.push(r);
    for (const batch of batches) {
      const envelopes = batch.map(
        (r) =>
          sign(
            deviceOf(r.deviceId),
            reading(r.deviceId, r.seq, { measuredAt: r.measuredAt, shipmentId: r.shipmentId }),
          )[0]!,
      );
      const { result, txId } = await s.record(envelopes);
      expect(result).toMatchObject({ accepted: batch.length, refused: 0 });
      recorded.push(...batch.map((r) => ({ ...r, txId })));
    }
  });

  it('writes one entry per device (and shipment) and transaction, split only where its span would be exceeded', () => {
    // Entries of one device (and shipment) and transaction, in key order: each within its span, and each next
    // one starting beyond the span of the one before (greedy chunks; a chunk is never split without need).
    const groups = new Map<string, number[][]>();
    const add = (group: string, values: number[]): void => {
      groups.set(group, [...(groups.get(group) ?? []), values]);
    };
    for (const key of s.ledger.keys()) {
      const value = JSON.parse(s.ledger.get(key) ?? 'null') as {
        txId: string;
        readings?: [number, number][];
        seqs?: [number, number][];
      };
      if (key.startsWith('reading-times/')) {
        add(
          `time ${key.split('/')[1]} ${value.txId}`,
          value.readings!.map(([t]) => t),
        );
      } else if (key.startsWith('\u0000shipment~readings\u0000')) {
        const [, shipmentId, deviceId] = key.split('\u0000').slice(1);
        add(`seq ${shipmentId} ${deviceId} ${value.txId}`, value.seqs!.flat());
      }
    }
    let entries = 0;
    for (const [group, chunks] of groups) {
      const span = group.startsWith('time') ? MAX_ENTRY_TIME_SPAN_MS : MAX_ENTRY_SEQ_SPAN;
      chunks.forEach((values, i) => {
        expect(Math.max(...values) - Math.min(...values)).toBeLessThan(span);
        if (i > 0) expect(Math.min(...values) - Math.min(...chunks[i - 1]!)).toBeGreaterThanOrEqual(span);
      });
      entries += chunks.length;
    }
    // 3 devices × 10 transactions, 5 hours of measurements and stragglers: far fewer keys than readings.
    expect(groups.size).toBeGreaterThanOrEqual(30);
    expect(entries).toBeLessThan(recorded.length);
  });

  it.each([
    ['whole history', 0, T0 + 24 * 3_600_000],
    ['a window starting and ending inside entries', T0 + 37 * MINUTE, T0 + 191 * MINUTE],
  ])('GetReadingsByDevice pages as one key per reading did: %s', async (_, from, to) => {
    for (const { deviceId } of devices) {
      const sorted = recorded
        .filter((r) => r.deviceId === deviceId && r.measuredAt >= from && r.measuredAt < to)
        .sort(byPosition(timePosition));
      for (const pageSize of [1, 7, 200]) {
        const pages = await walk((bookmark) =>
          s.ledger.evaluate<Page>(
            as.auditor,
            readings,
            'GetReadingsByDevice',
            deviceId,
            String(from),
            String(to),
            String(pageSize),
            bookmark,
          ),
        );
        expect(pages).toEqual(expectedPages(sorted, pageSize, timePosition));
      }
    }
  });

  it('GetReadingsByShipment pages as one key per reading did', async () => {
    for (const shipmentId of ['S1', 'S2']) {
      const sorted = recorded.filter((r) => r.shipmentId === shipmentId).sort(byPosition(shipmentPosition));
      expect(sorted.length).toBeGreaterThan(20);
      for (const pageSize of [1, 7, 200]) {
        const pages = await walk((bookmark) =>
          s.ledger.evaluate<Page>(
            as.auditor,
            readings,
            'GetReadingsByShipment',
            shipmentId,
            String(pageSize),
            bookmark,
          ),
        );
        expect(pages).toEqual(expectedPages(sorted, pageSize, shipmentPosition));
      }
    }
  });

  it('takes any bookmark inside the query as the position to start from, as a start key did', async () => {
    const sorted = recorded.filter((r) => r.deviceId === 'dev-a').sort(byPosition(timePosition));
    const middle = `reading-time/dev-a/${pad(T0 + 100 * MINUTE)}/`;
    const page = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByDevice',
      'dev-a',
      '0',
      String(T0 + 24 * 3_600_000),
      '5',
      middle,
    );
    const expected = sorted.filter((r) => timePosition(r) >= middle);
    expect(page.items.map((r) => r.reading.seq)).toEqual(expected.slice(0, 5).map((r) => r.seq));
    expect(page.bookmark).toBe(timePosition(expected[5]!));

    const inShipment = recorded.filter((r) => r.shipmentId === 'S1').sort(byPosition(shipmentPosition));
    const deviceStart = '\u0000reading~shipment\u0000S1\u0000dev-a.x\u0000';
    const fromDevice = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByShipment',
      'S1',
      '3',
      deviceStart,
    );
    expect(fromDevice.items.map((r) => `${r.reading.deviceId}#${r.reading.seq}`)).toEqual(
      inShipment
        .filter((r) => shipmentPosition(r) >= deviceStart)
        .slice(0, 3)
        .map((r) => `${r.deviceId}#${r.seq}`),
    );
  });

  it('GetShipmentProvenance counts readings per device with their sequence range and transactions', async () => {
    for (const shipmentId of ['S1', 'S2']) {
      const provenance = await s.ledger.evaluate<ShipmentProvenance>(
        as.auditor,
        shipment,
        'GetShipmentProvenance',
        shipmentId,
      );
      const mine = recorded.filter((r) => r.shipmentId === shipmentId).sort(byPosition(shipmentPosition));
      const expected = [...new Set(mine.map((r) => r.deviceId))].map((deviceId) => {
        const own = mine.filter((r) => r.deviceId === deviceId);
        return {
          deviceId,
          count: own.length,
          firstSeq: own[0]!.seq,
          lastSeq: own[own.length - 1]!.seq,
          // Distinct transactions in sequence order of their first reading.
          txIds: [...new Set(own.map((r) => r.txId))],
        };
      });
      expect(provenance.readings).toEqual(expected);
    }
  });
});
