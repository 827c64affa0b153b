import type { Context } from 'fabric-contract-api';
import {
  KeyType,
  READING_TIME_PREFIX,
  READING_TIMES_PREFIX,
  readingTimePosition,
  readingTimesKey,
  SHIPMENT_READING_POSITION,
  shipmentReadingPosition,
  shipmentReadingsKey,
} from './ledger-keys';
import {
  checkBookmark,
  compareKeys,
  decodeRecord,
  partialKeyEnd,
  scanPartial,
  scanPartialFrom,
  scanRange,
  type StateEntry,
} from './ledger-state';

// The two reading views, by device in measurement-time order and by shipment in (device, sequence) order, are
// served from index entries that each list the readings one transaction recorded for one device (and shipment),
// not from one index key per reading: a batch of n readings from d devices writes about 2·d index keys, not 2·n.
// Each entry's key is unique to its transaction (it names a reading only that transaction recorded), so
// concurrent batches never write the same key. Queries merge the entries back into per-reading order and page by
// the same positions (and so the same bookmarks) the per-reading index keys had.

/**
 * The widest span of measurement times one DeviceReadingsEntry covers: a query starting at time t reads entries
 * from t − this on. Part of the ledger's format: changing it on a ledger with entries breaks the device view.
 */
export const MAX_ENTRY_TIME_SPAN_MS = 3_600_000;

/**
 * The widest span of sequence numbers one ShipmentReadingsEntry covers: a query resuming at sequence s reads
 * that device's entries from s − this on. Part of the ledger's format, like {@link MAX_ENTRY_TIME_SPAN_MS}.
 */
export const MAX_ENTRY_SEQ_SPAN = 1_000;

/** Entries fetched per round trip when GetReadingsByShipment scans a shipment's entries. */
const SHIPMENT_SCAN_BATCH = 100;

/**
 * Under `reading-times/<deviceId>/<minMeasuredAt16>/<seq16>`: readings of one device one transaction recorded,
 * measured within {@link MAX_ENTRY_TIME_SPAN_MS} of the earliest, which the key names.
 */
export interface DeviceReadingsEntry {
  txId: string;
  /** `[measuredAt, seq]`, in (measuredAt, seq) order. */
  readings: [number, number][];
}

/**
 * Under `shipment~readings [shipmentId, deviceId, firstSeq16]`: readings of one device for one shipment that one
 * transaction recorded, within {@link MAX_ENTRY_SEQ_SPAN} sequence numbers of the first, which the key names.
 */
export interface ShipmentReadingsEntry {
  txId: string;
  /** Runs of consecutive sequence numbers `[first, last]`, ascending. */
  seqs: [number, number][];
}

/** An index key and its value, ready to write. */
export interface IndexWrite {
  key: string;
  value: DeviceReadingsEntry | ShipmentReadingsEntry;
}

type Keys = Pick<Context['stub'], 'createCompositeKey'>;

/** Collects one transaction's accepted readings and turns them into its index entries. */
export class ReadingIndexBuilder {
  readonly #byDevice = new Map<string, [number, number][]>();
  readonly #byShipment = new Map<string, { shipmentId: string; deviceId: string; seqs: number[] }>();

  /** One accepted reading; `shipmentId` when it was recorded for a shipment the device is attached to. */
  add(deviceId: string, measuredAt: number, seq: number, shipmentId?: string): void {
    let times = this.#byDevice.get(deviceId);
    if (!times) this.#byDevice.set(deviceId, (times = []));
    times.push([measuredAt, seq]);
    if (shipmentId !== undefined) this.addForShipment(shipmentId, deviceId, seq);
  }

  /**
   * One accepted reading in the view of one more shipment: a pallet logger's reading, for each case packed on
   * the pallet. The device view holds it once, from {@link add}.
   */
  addForShipment(shipmentId: string, deviceId: string, seq: number): void {
    // Ids cannot hold a space; a space cannot make two pairs one.
    const pair = `${shipmentId} ${deviceId}`;
    let group = this.#byShipment.get(pair);
    if (!group) this.#byShipment.set(pair, (group = { shipmentId, deviceId, seqs: [] }));
    group.seqs.push(seq);
  }

  /** The entries to write, in the order readings first named their device (and shipment). */
  entries(stub: Keys, txId: string): IndexWrite[] {
    const writes: IndexWrite[] = [];
    for (const [deviceId, times] of this.#byDevice) {
      times.sort(([ta, sa], [tb, sb]) => ta - tb || sa - sb);
      for (const chunk of chunks(times, ([t]) => t, MAX_ENTRY_TIME_SPAN_MS)) {
        const [t, seq] = chunk[0]!;
        writes.push({ key: readingTimesKey(deviceId, t, seq), value: { txId, readings: chunk } });
      }
    }
    for (const { shipmentId, deviceId, seqs } of this.#byShipment.values()) {
      seqs.sort((a, b) => a - b);
      for (const chunk of chunks(seqs, (seq) => seq, MAX_ENTRY_SEQ_SPAN)) {
        writes.push({
          key: shipmentReadingsKey(stub, shipmentId, deviceId, chunk[0]!),
          value: { txId, seqs: runs(chunk) },
        });
      }
    }
    return writes;
  }
}

// Splits sorted items into chunks whose `at` spans less than `span`.
function chunks<T>(sorted: T[], at: (item: T) => number, span: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  for (const item of sorted) {
    if (current.length > 0 && at(item) - at(current[0]!) >= span) {
      out.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) out.push(current);
  return out;
}

function runs(sorted: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const seq of sorted) {
    const last = out[out.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return out;
}

/** A reading named by its place in a view's order. */
interface Positioned {
  /** The reading's position, a string that sorts in the view's order (byte order). */
  position: string;
  deviceId: string;
  seq: number;
}

/** An index entry as the merge sees it: the position of its first reading, and all its readings. */
interface MergeEntry {
  first: string;
  readings: Positioned[];
}

const byPosition = (a: Positioned, b: Positioned): number =>
  a.position < b.position ? -1 : a.position > b.position ? 1 : 0;

/**
 * Merges entries that arrive in order of their first readings into the readings in position order. Entries of
 * different transactions interleave (a device's readings may arrive out of order), so a reading is released only
 * when the next entry starts after it. Positions are ASCII, where `<` is byte order.
 */
async function* merge(entries: AsyncIterable<MergeEntry>): AsyncGenerator<Positioned> {
  let pending: Positioned[] = [];
  for await (const entry of entries) {
    pending.sort(byPosition);
    let released = 0;
    while (released < pending.length && pending[released]!.position < entry.first) released++;
    yield* pending.slice(0, released);
    pending = pending.slice(released).concat(entry.readings);
  }
  yield* pending.sort(byPosition);
}

/** One page of positions in [lower, upper): `next` is the position after the page, "" when there is none. */
async function pageOf(
  readings: AsyncIterable<Positioned>,
  lower: string,
  upper: string,
  pageSize: number,
): Promise<{ page: Positioned[]; next: string }> {
  const page: Positioned[] = [];
  for await (const reading of readings) {
    if (compareKeys(reading.position, lower) < 0) continue;
    // In position order: nothing after this one is inside the range.
    if (compareKeys(reading.position, upper) >= 0) break;
    if (page.length === pageSize) return { page, next: reading.position };
    page.push(reading);
  }
  return { page, next: '' };
}

/** What a reading query pages: readings named by device and sequence, and the bookmark of the next page. */
export interface ReadingPage {
  readings: { deviceId: string; seq: number }[];
  bookmark: string;
}

const DIGITS16 = /^[0-9]{16}$/;

/**
 * One page of a device's readings measured in [fromMs, toMs), in (measuredAt, seq) order. The bookmark is the
 * next reading's position, `reading-time/<deviceId>/<measuredAt16>/<seq16>`.
 * @throws {@link LedgerError} INVALID_ARGUMENT for a bookmark outside this query.
 */
export async function deviceReadingsPage(
  ctx: Context,
  deviceId: string,
  fromMs: number,
  toMs: number,
  pageSize: number,
  bookmark: string,
): Promise<ReadingPage> {
  const start = readingTimePosition(deviceId, fromMs);
  const end = readingTimePosition(deviceId, toMs);
  checkBookmark(bookmark, start, end);
  const lower = bookmark || start;
  // Every reading at or after `lower` was measured at or after the time it names (fixed-width digits sort like
  // the numbers); a bookmark not made by this query starts the scan at fromMs instead.
  const prefix = `${READING_TIME_PREFIX}${deviceId}/`;
  const timeText = lower.slice(prefix.length, prefix.length + 16);
  const fromTime = DIGITS16.test(timeText) ? Math.max(fromMs, Number(timeText)) : fromMs;
  const scanStart = readingTimesKey(deviceId, Math.max(0, fromTime - MAX_ENTRY_TIME_SPAN_MS + 1));
  const entryPrefix = `${READING_TIMES_PREFIX}${deviceId}/`;
  async function* entries(): AsyncGenerator<MergeEntry> {
    // Entries measured from toMs on hold no reading of the window.
    for await (const entry of scanRange(ctx, scanStart, readingTimesKey(deviceId, toMs))) {
      const [firstTime = '', firstSeq = ''] = entry.key.slice(entryPrefix.length).split('/');
      const { readings } = decodeRecord<DeviceReadingsEntry>(entry.key, entry.value);
      yield {
        first: readingTimePosition(deviceId, Number(firstTime), Number(firstSeq)),
        readings: readings.map(([t, seq]) => ({
          position: readingTimePosition(deviceId, t, seq),
          deviceId,
          seq,
        })),
      };
    }
  }
  const { page, next } = await pageOf(merge(entries()), lower, end, pageSize);
  return { readings: page, bookmark: next };
}

/**
 * One page of a shipment's readings in (device, sequence) order. The bookmark is the next reading's position,
 * `reading~shipment [shipmentId, deviceId, seq16]`. Paginated underneath, so evaluate only.
 * @throws {@link LedgerError} INVALID_ARGUMENT for a bookmark outside this query.
 */
export async function shipmentReadingsPage(
  ctx: Context,
  shipmentId: string,
  pageSize: number,
  bookmark: string,
): Promise<ReadingPage> {
  const stub = ctx.stub;
  const start = stub.createCompositeKey(SHIPMENT_READING_POSITION, [shipmentId]);
  const end = partialKeyEnd(start);
  checkBookmark(bookmark, start, end);
  // A bookmark this query made names a device and a sequence number: that device's entries that can hold it or
  // later readings start at most MAX_ENTRY_SEQ_SPAN − 1 before it. Anything else scans from the beginning.
  let scanStart = '';
  if (bookmark !== '') {
    const { objectType, attributes } = stub.splitCompositeKey(bookmark);
    const [s, deviceId, seqText] = attributes;
    if (
      objectType === SHIPMENT_READING_POSITION &&
      s === shipmentId &&
      deviceId !== undefined &&
      seqText !== undefined &&
      DIGITS16.test(seqText)
    ) {
      scanStart = shipmentReadingsKey(
        stub,
        shipmentId,
        deviceId,
        Math.max(0, Number(seqText) - MAX_ENTRY_SEQ_SPAN + 1),
      );
    }
  }
  async function* entries(): AsyncGenerator<MergeEntry> {
    const scan = scanPartialFrom(ctx, KeyType.ShipmentReadings, [shipmentId], scanStart, SHIPMENT_SCAN_BATCH);
    for await (const entry of scan) yield shipmentEntry(stub, shipmentId, entry);
  }
  const { page, next } = await pageOf(merge(entries()), bookmark || start, end, pageSize);
  return { readings: page, bookmark: next };
}

function shipmentEntry(stub: Context['stub'], shipmentId: string, entry: StateEntry): MergeEntry {
  const [, deviceId = '', firstText = ''] = stub.splitCompositeKey(entry.key).attributes;
  const { seqs } = decodeRecord<ShipmentReadingsEntry>(entry.key, entry.value);
  const readings: Positioned[] = [];
  for (const [a, b] of seqs) {
    for (let seq = a; seq <= b; seq++) {
      readings.push({ position: shipmentReadingPosition(stub, shipmentId, deviceId, seq), deviceId, seq });
    }
  }
  return { first: shipmentReadingPosition(stub, shipmentId, deviceId, Number(firstText)), readings };
}

/** How many readings of one device a shipment holds, and the transactions that recorded them. */
export interface DeviceReadingCount {
  deviceId: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Distinct RecordReadings transactions, in sequence order of their first reading. */
  txIds: string[];
}

/**
 * A shipment's readings counted per device, from its index entries (one per device and transaction, so far
 * fewer than readings; the peer caps one query at its `totalQueryLimit`, 100,000 by default).
 */
export async function shipmentReadingCounts(ctx: Context, shipmentId: string): Promise<DeviceReadingCount[]> {
  const counts: DeviceReadingCount[] = [];
  for (const entry of await scanPartial(ctx, KeyType.ShipmentReadings, [shipmentId])) {
    const [, deviceId = '', firstText = ''] = ctx.stub.splitCompositeKey(entry.key).attributes;
    const { txId, seqs } = decodeRecord<ShipmentReadingsEntry>(entry.key, entry.value);
    // Entries arrive sorted by device, then first sequence number: the first of a device holds its smallest,
    // and a transaction first appears at its smallest sequence number.
    let current = counts[counts.length - 1];
    if (current?.deviceId !== deviceId) {
      current = { deviceId, count: 0, firstSeq: Number(firstText), lastSeq: 0, txIds: [] };
      counts.push(current);
    }
    for (const [a, b] of seqs) {
      current.count += b - a + 1;
      current.lastSeq = Math.max(current.lastSeq, b);
    }
    if (!current.txIds.includes(txId)) current.txIds.push(txId);
  }
  return counts;
}
