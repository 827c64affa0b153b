import type { ReadingRecord } from './reading-ingest';
import { as, contracts, newTestDevice, reading, Scenario, sign } from './testing/test-fixtures';

const { reading: readings } = contracts;
const d1 = newTestDevice('reefer-0001');
const d2 = newTestDevice('reefer-0002');
const T0 = Date.UTC(2026, 10, 1, 8);
const MINUTE = 60_000;

type Page = { items: ReadingRecord[]; bookmark: string; fetchedRecordsCount: number };
const seqs = (page: Page): number[] => page.items.map((r) => r.reading.seq);

describe('reading queries', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = new Scenario();
    await s.registerDevice(d1);
    await s.registerDevice(d2);
    await s.createShipment('S1');
    await s.attach('S1', ['reefer-0001', 'reefer-0002']);
    // Out of order on purpose: the time index orders by measurement time, not by arrival.
    await s.record(
      sign(
        d1,
        reading('reefer-0001', 3, { measuredAt: T0 + 3 * MINUTE, shipmentId: 'S1' }),
        reading('reefer-0001', 1, { measuredAt: T0 + 1 * MINUTE, shipmentId: 'S1' }),
        reading('reefer-0001', 2, { measuredAt: T0 + 2 * MINUTE }),
        reading('reefer-0001', 4, { measuredAt: T0 + 4 * MINUTE, shipmentId: 'S1' }),
      ),
    );
    await s.record(sign(d2, reading('reefer-0002', 1, { measuredAt: T0 + 2 * MINUTE, shipmentId: 'S1' })));
  });

  it('GetReading returns one reading, NOT_FOUND for a gap, INVALID_ARGUMENT for a bad sequence number', async () => {
    await expect(
      s.ledger.evaluate<ReadingRecord>(as.auditor, readings, 'GetReading', 'reefer-0001', '2'),
    ).resolves.toMatchObject({
      reading: { seq: 2 },
    });
    await expect(s.ledger.evaluate(as.auditor, readings, 'GetReading', 'reefer-0001', '9')).rejects.toThrow(
      /^NOT_FOUND: reading 9 of device reefer-0001 is not recorded/,
    );
    await expect(s.ledger.evaluate(as.auditor, readings, 'GetReading', 'reefer-0001', 'NaN')).rejects.toThrow(
      /^INVALID_ARGUMENT: seq/,
    );
  });

  it('GetReadingsByDevice selects [fromMs, toMs) in measurement order, page by page', async () => {
    const all = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByDevice',
      'reefer-0001',
      '0',
      String(T0 + 10 * MINUTE),
      '10',
      '',
    );
    expect(seqs(all)).toEqual([1, 2, 3, 4]);
    const window = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByDevice',
      'reefer-0001',
      String(T0 + 2 * MINUTE),
      String(T0 + 4 * MINUTE),
      '10',
      '',
    );
    expect(seqs(window)).toEqual([2, 3]);
    const first = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByDevice',
      'reefer-0001',
      '0',
      String(T0 + 10 * MINUTE),
      '3',
      '',
    );
    expect(seqs(first)).toEqual([1, 2, 3]);
    const rest = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByDevice',
      'reefer-0001',
      '0',
      String(T0 + 10 * MINUTE),
      '3',
      first.bookmark,
    );
    expect(rest).toMatchObject({ bookmark: '', fetchedRecordsCount: 1 });
    expect(seqs(rest)).toEqual([4]);
  });

  it('GetReadingsByDevice refuses an empty window, bad numbers and a foreign bookmark', async () => {
    const query = (from: string, to: string, bookmark = '') =>
      s.ledger.evaluate(as.auditor, readings, 'GetReadingsByDevice', 'reefer-0001', from, to, '10', bookmark);
    await expect(query('5', '5')).rejects.toThrow(/^INVALID_ARGUMENT: fromMs must be less than toMs/);
    await expect(query('-1', '5')).rejects.toThrow(/^INVALID_ARGUMENT: fromMs/);
    await expect(query('0', 'Infinity')).rejects.toThrow(/^INVALID_ARGUMENT: toMs/);
    await expect(query('0', '99', 'reading-time/reefer-0002/0000000000000000/')).rejects.toThrow(
      /^INVALID_ARGUMENT: bookmark does not belong to this query/,
    );
    await expect(
      s.ledger.evaluate(as.auditor, readings, 'GetReadingsByDevice', 'ghost', '0', '1', '10', ''),
    ).rejects.toThrow(/^NOT_FOUND: device ghost/);
  });

  it('GetReadingsByShipment returns the shipment’s readings by device and sequence, page by page', async () => {
    const first = await s.ledger.evaluate<Page>(as.auditor, readings, 'GetReadingsByShipment', 'S1', '2', '');
    expect(first.items.map((r) => [r.reading.deviceId, r.reading.seq])).toEqual([
      ['reefer-0001', 1],
      ['reefer-0001', 3],
    ]);
    const rest = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByShipment',
      'S1',
      '2',
      first.bookmark,
    );
    expect(rest.items.map((r) => [r.reading.deviceId, r.reading.seq])).toEqual([
      ['reefer-0001', 4],
      ['reefer-0002', 1],
    ]);
    expect(rest.bookmark).toBe('');
    await expect(
      s.ledger.evaluate(as.auditor, readings, 'GetReadingsByShipment', 'NOPE', '2', ''),
    ).rejects.toThrow(/^NOT_FOUND: shipment NOPE/);
  });

  it('serves at most 200 readings per page whatever page size is asked', async () => {
    const batch = sign(
      d2,
      ...Array.from({ length: 250 }, (_, i) => reading('reefer-0002', i + 2, { shipmentId: 'S1' })),
    );
    await s.record(batch);
    const page = await s.ledger.evaluate<Page>(
      as.auditor,
      readings,
      'GetReadingsByShipment',
      'S1',
      '100000',
      '',
    );
    expect(page.fetchedRecordsCount).toBe(200);
    expect(page.bookmark).not.toBe('');
  });
});
