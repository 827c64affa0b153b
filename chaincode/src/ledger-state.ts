import type { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  LedgerErrorCode,
  LedgerEvent,
  type BreachDisposedPayload,
  type CommercialTermsRecordedPayload,
  type CustodyEventPayload,
  type DeviceEventPayload,
  type DeviceRevokedPayload,
  type DevicesAttachedPayload,
  type ForecastAnchoredPayload,
  type KeyRotatedPayload,
  type PalletCustodyPayload,
  type PalletEventPayload,
  type ReadingsRecordedPayload,
  type ShipmentCreatedPayload,
  type ShipmentEventPayload,
} from '@provena/wire';
import { parseIntegerArgument } from './input';
import { LedgerError } from './ledger-error';
import { putState } from './state-batch';

/** One key and its value as a range or partial-composite query returns it. */
export interface StateEntry {
  key: string;
  value: Uint8Array;
}

/** A page of a paginated query: Fabric's bookmark is the key the next page starts at, "" after the last page. */
export interface Page<T> {
  items: T[];
  bookmark: string;
  fetchedRecordsCount: number;
}

/** What a paginated query selects: the keys under a partial composite key, or a simple-key range [start, end). */
export type PageQuery =
  | { kind: 'partial'; objectType: string; attributes: string[] }
  | { kind: 'range'; startKey: string; endKey: string };

/** The largest page any query returns; larger requests are served this many. */
export const MAX_PAGE_SIZE = 200;
const MAX_BOOKMARK_LENGTH = 1024;
const MAX_UNICODE_RUNE = '\u{10ffff}';

/** The payload type of each chaincode event, so an emitter cannot send the wrong shape. */
export interface EventPayloads {
  [LedgerEvent.DeviceRegistered]: DeviceEventPayload;
  [LedgerEvent.KeyRotated]: KeyRotatedPayload;
  [LedgerEvent.DeviceRevoked]: DeviceRevokedPayload;
  [LedgerEvent.ShipmentCreated]: ShipmentCreatedPayload;
  [LedgerEvent.DevicesAttached]: DevicesAttachedPayload;
  [LedgerEvent.DevicesDetached]: DevicesAttachedPayload;
  [LedgerEvent.CustodyOffered]: CustodyEventPayload;
  [LedgerEvent.CustodyAccepted]: CustodyEventPayload;
  [LedgerEvent.CustodyRejected]: CustodyEventPayload;
  [LedgerEvent.BreachDisposed]: BreachDisposedPayload;
  [LedgerEvent.ShipmentDelivered]: ShipmentEventPayload;
  [LedgerEvent.ReadingsRecorded]: ReadingsRecordedPayload;
  [LedgerEvent.ForecastAnchored]: ForecastAnchoredPayload;
  [LedgerEvent.PalletCreated]: PalletEventPayload;
  [LedgerEvent.CasesPacked]: PalletEventPayload;
  [LedgerEvent.CasesUnpacked]: PalletEventPayload;
  [LedgerEvent.PalletCustodyOffered]: PalletCustodyPayload;
  [LedgerEvent.PalletCustodyAccepted]: PalletCustodyPayload;
  [LedgerEvent.PalletCustodyRejected]: PalletCustodyPayload;
  [LedgerEvent.PalletDevicesAttached]: PalletEventPayload;
  [LedgerEvent.PalletDevicesDetached]: PalletEventPayload;
  [LedgerEvent.CommercialTermsRecorded]: CommercialTermsRecordedPayload;
}

function printableKey(key: string): string {
  return JSON.stringify(key);
}

/** Parses a value this chaincode wrote (canonical JSON). */
export function decodeRecord<T>(key: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (err) {
    throw new LedgerError(LedgerErrorCode.Internal, `state under ${printableKey(key)} is not JSON`, {
      cause: err,
    });
  }
}

/**
 * Reads a record as of the last committed block. Fabric does not show a transaction its own writes, so never
 * read back what the same transaction wrote.
 */
export async function readRecord<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  return bytes.length === 0 ? undefined : decodeRecord<T>(key, bytes);
}

/** Writes a record as RFC 8785 canonical JSON: every endorser produces the same bytes whatever the field order. */
export async function writeRecord(ctx: Context, key: string, value: unknown): Promise<void> {
  await writeCanonical(ctx, key, canonicalJson(value));
}

/**
 * Writes text that is already RFC 8785 canonical JSON (built from canonical parts, see `readingRecordJson`). With
 * write batching on, the write reaches the peer when the transaction ends (state-batch.ts).
 */
export async function writeCanonical(ctx: Context, key: string, canonical: string): Promise<void> {
  await putState(ctx, key, Buffer.from(canonical, 'utf8'));
}

/** Sets the transaction's chaincode event. Fabric keeps one per transaction: a second call replaces the first. */
export function emitEvent<N extends keyof EventPayloads>(
  ctx: Context,
  name: N,
  payload: EventPayloads[N],
): void {
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload), 'utf8'));
}

type StateIterator = Awaited<ReturnType<Context['stub']['getStateByRange']>>;

/**
 * Every entry an iterator yields, in order; stop early by leaving the loop. An iterator read to its end is not
 * closed: the peer drops a query's context itself when it sends the last batch (`HasMore: false`, Fabric's
 * `query_response_generator.go`), so QUERY_STATE_CLOSE would be one more round trip that changes nothing. One
 * left early is closed.
 */
async function* entriesOf(iterator: StateIterator): AsyncGenerator<StateEntry> {
  let exhausted = false;
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      yield { key: r.value.key, value: r.value.value };
    }
    exhausted = true;
  } finally {
    if (!exhausted) await iterator.close();
  }
}

async function drain(iterator: StateIterator): Promise<StateEntry[]> {
  const entries: StateEntry[] = [];
  for await (const entry of entriesOf(iterator)) entries.push(entry);
  return entries;
}

/**
 * Every entry of a simple-key range [startKey, endKey), in key order, fetched as the loop asks (the peer sends
 * them 100 at a time). Usable in submit transactions: Fabric re-runs the range at validation (phantom reads).
 */
export async function* scanRange(ctx: Context, startKey: string, endKey: string): AsyncGenerator<StateEntry> {
  yield* entriesOf(await ctx.stub.getStateByRange(startKey, endKey));
}

/**
 * The entries under a partial composite key from `startKey` on (a key inside that range, or "" for its start),
 * `batch` per round trip. Paginated, so only for evaluate (read-only) transactions; the peer takes a bookmark as
 * the start key, which is how this starts in the middle of the range.
 */
export async function* scanPartialFrom(
  ctx: Context,
  objectType: string,
  attributes: string[],
  startKey: string,
  batch: number,
): AsyncGenerator<StateEntry> {
  let bookmark = startKey;
  do {
    const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
      objectType,
      attributes,
      batch,
      bookmark,
    );
    yield* entriesOf(iterator);
    bookmark = metadata?.bookmark ?? '';
  } while (bookmark !== '');
}

/**
 * Every entry under a partial composite key. Usable in submit transactions: Fabric re-runs the range at
 * validation, so a key added concurrently (a new breach, say) invalidates the transaction instead of slipping by.
 */
export async function scanPartial(
  ctx: Context,
  objectType: string,
  attributes: string[],
): Promise<StateEntry[]> {
  return drain(await ctx.stub.getStateByPartialCompositeKey(objectType, attributes));
}

/**
 * Parses a page size argument: a positive integer, served at most {@link MAX_PAGE_SIZE} at a time.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function parsePageSize(text: string): number {
  return Math.min(parseIntegerArgument(text, 'pageSize', 1, Number.MAX_SAFE_INTEGER), MAX_PAGE_SIZE);
}

// UTF-16 code units sort surrogates (U+D800..DFFF) below U+E000..FFFF; code points and UTF-8 bytes do not.
function codePointOrderUnit(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** Compares keys in LevelDB's order (UTF-8 bytes, which is code point order) without encoding them. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

/**
 * Refuses a bookmark outside the query's range [start, end): the peer uses a bookmark as the start key without
 * checking it, so one outside the range would read other keys.
 * @throws {@link LedgerError} INVALID_ARGUMENT
 */
export function checkBookmark(bookmark: string, start: string, end: string): void {
  if (
    bookmark !== '' &&
    (bookmark.length > MAX_BOOKMARK_LENGTH ||
      compareKeys(bookmark, start) < 0 ||
      compareKeys(bookmark, end) >= 0)
  ) {
    throw new LedgerError(LedgerErrorCode.InvalidArgument, 'bookmark does not belong to this query');
  }
}

/** The end of the range of keys under a partial composite key, as fabric-shim computes it. */
export function partialKeyEnd(prefix: string): string {
  return prefix + MAX_UNICODE_RUNE;
}

/**
 * One page of a query. Only for evaluate (read-only) transactions: Fabric refuses paginated queries in a
 * transaction that writes.
 *
 * The peer uses a bookmark as the start key without checking it, so one outside the query's range would read
 * other keys; such bookmarks are refused.
 * @throws {@link LedgerError} INVALID_ARGUMENT for a bookmark that does not belong to this query.
 */
export async function readPage(
  ctx: Context,
  query: PageQuery,
  pageSize: number,
  bookmark: string,
): Promise<Page<StateEntry>> {
  const [start, end] =
    query.kind === 'partial'
      ? ((key) => [key, partialKeyEnd(key)])(ctx.stub.createCompositeKey(query.objectType, query.attributes))
      : [query.startKey, query.endKey];
  checkBookmark(bookmark, start, end);
  const { iterator, metadata } =
    query.kind === 'partial'
      ? await ctx.stub.getStateByPartialCompositeKeyWithPagination(
          query.objectType,
          query.attributes,
          pageSize,
          bookmark,
        )
      : await ctx.stub.getStateByRangeWithPagination(query.startKey, query.endKey, pageSize, bookmark);
  const items = await drain(iterator);
  // fabric-shim leaves metadata undefined when the peer's is empty: an empty last page.
  return {
    items,
    bookmark: metadata?.bookmark ?? '',
    fetchedRecordsCount: metadata?.fetchedRecordsCount ?? 0,
  };
}

/**
 * One page of every record of one key type (`objectType`), in key order, decoded: what a List transaction
 * returns. `pageSize` and `bookmark` are the transaction's own arguments. Evaluate only, as {@link readPage}.
 * @throws {@link LedgerError} INVALID_ARGUMENT for a bad page size or a bookmark of another query.
 */
export async function readRecordPage<T>(
  ctx: Context,
  objectType: string,
  pageSize: string,
  bookmark: string,
): Promise<Page<T>> {
  const page = await readPage(
    ctx,
    { kind: 'partial', objectType, attributes: [] },
    parsePageSize(pageSize),
    bookmark,
  );
  return { ...page, items: page.items.map((e) => decodeRecord<T>(e.key, e.value)) };
}

/** A Fabric timestamp as Unix milliseconds. Transaction timestamps carry `seconds` as a Long, history as a number. */
export function timestampMs(ts: { seconds: number | { toNumber(): number }; nanos: number }): number {
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor(ts.nanos / 1_000_000);
}

/** One change of a key, newest first as Fabric (v2.0 and later) returns them. */
export interface HistoryEntry {
  txId: string;
  timestamp: number;
  isDelete: boolean;
  value: unknown;
}

/** The history of one key (needs the peer's history database, on by default). */
export async function readHistory(ctx: Context, key: string): Promise<HistoryEntry[]> {
  const iterator = await ctx.stub.getHistoryForKey(key);
  const entries: HistoryEntry[] = [];
  // Read to its end, so not closed (see entriesOf).
  for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
    const { txId, isDelete, timestamp, value } = r.value;
    entries.push({
      txId,
      timestamp: timestampMs(timestamp),
      isDelete,
      value: isDelete || value.length === 0 ? null : decodeRecord<unknown>(key, value),
    });
  }
  return entries;
}
