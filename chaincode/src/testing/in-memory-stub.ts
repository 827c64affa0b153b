import './quiet-fabric-logs';
import type { Context } from 'fabric-contract-api';
import { ChaincodeStub as ShimStub } from 'fabric-shim';
import { createHash } from 'node:crypto';

type Stub = Context['stub'];
type KV = { namespace: string; key: string; value: Uint8Array };
type KeyModification = {
  txId: string;
  value: Uint8Array;
  isDelete: boolean;
  timestamp: ReturnType<Stub['getTxTimestamp']>;
};
type QueryIterator<T> = { next(): Promise<{ value: T; done: boolean }>; close(): Promise<void> };

/** A committed value and the commit that wrote it (Fabric's version: block and transaction number). */
export interface Versioned {
  value: Buffer;
  version: number;
}

/** What a transaction sees of the ledger: the state as of the last commit, and key histories. */
export interface CommittedView {
  get(key: string): Versioned | undefined;
  /** Entries with start <= key < end in UTF-8 byte order (LevelDB's order); end "" means unbounded. */
  range(start: string, end: string): [string, Versioned][];
  history(key: string): KeyModification[];
  /** A private data collection's committed value, on a peer of a member organisation. */
  getPrivate(collection: string, key: string): Versioned | undefined;
  /** The collection as the chaincode definition declares it, or undefined when it declares none of that name. */
  collection(name: string): CollectionDefinition | undefined;
}

/** What the stub enforces of a collection definition (`chaincode/collections.json`). */
export interface CollectionDefinition {
  name: string;
  memberMspIds: readonly string[];
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
}

/** One range query as the peer records it for phantom-read validation. */
export interface RangeRead {
  start: string;
  end: string;
  results: [string, number][];
}

/** The proposal a stub simulates. */
export interface Proposal {
  txId: string;
  channelId: string;
  timestampMs: number;
  creator: { mspid: string; idBytes: Uint8Array };
  args: string[];
  /** The proposal's transient map: reaches the chaincode, never the ledger. */
  transient?: ReadonlyMap<string, Uint8Array>;
}

// The shim's own composite-key and timestamp code, borrowed so keys and Long timestamps are byte-for-byte what a
// peer's chaincode sees. These methods use nothing of the shim stub but what is passed here.
const shim = ShimStub.prototype as unknown as {
  createCompositeKey(objectType: string, attributes: string[]): string;
  splitCompositeKey(key: string): { objectType: string; attributes: string[] };
  getTxTimestamp(this: { txTimestamp: unknown }): ReturnType<Stub['getTxTimestamp']>;
};

const MAX_UNICODE_RUNE = '\u{10ffff}';
const EMPTY_KEY_SUBSTITUTE = '\u0001';

function unsupported(name: string): never {
  throw new Error(`${name} is not supported by the in-memory stub`);
}

function iterator<T>(items: T[]): QueryIterator<T> {
  let i = 0;
  return {
    // Like the shim: after the last item, a result with done and no value.
    next: async () =>
      i < items.length ? { value: items[i++] as T, done: false } : ({ done: true } as never),
    close: async () => undefined,
  };
}

// The shim returns a promise that is also async-iterable; both styles of chaincode code must work.
function queryResult<T, R>(
  promise: Promise<R>,
  iteratorOf: (r: R) => QueryIterator<T>,
): Promise<R> & AsyncIterable<T> {
  return Object.assign(promise, {
    async *[Symbol.asyncIterator](): AsyncIterator<T> {
      const it = iteratorOf(await promise);
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      await it.close();
    },
  });
}

function validateSimpleKeys(...keys: string[]): void {
  for (const key of keys) {
    if (key.startsWith('\u0000')) {
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
}

/**
 * A transaction simulator with Fabric's semantics where chaincode can tell the difference:
 * reads see only committed state (never the transaction's own writes); writes are buffered until commit; an
 * empty value is a delete; range queries refuse composite keys and use LevelDB's byte order; paginated queries
 * use the bookmark as the next start key, and are refused in a transaction that writes (and vice versa); one
 * chaincode event per transaction, the last set wins; history is newest first.
 * It records the read set and range reads so the ledger can validate MVCC at commit.
 */
export class InMemoryStub implements Stub {
  readonly reads = new Map<string, number | undefined>();
  readonly rangeReads: RangeRead[] = [];
  readonly writes = new Map<string, Buffer | null>();
  /** Private reads and writes, keyed `collection\u0000key`; validated and committed like public ones. */
  readonly privateReads = new Map<string, number | undefined>();
  readonly privateWrites = new Map<string, Buffer | null>();
  event: { name: string; payload: Buffer } | undefined;
  #paginated = false;

  constructor(
    private readonly committed: CommittedView,
    readonly proposal: Proposal,
  ) {}

  getTxID(): string {
    return this.proposal.txId;
  }
  getChannelID(): string {
    return this.proposal.channelId;
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return this.proposal.creator;
  }
  getMspID(): string {
    return 'PeerOrgMSP';
  }
  getTxTimestamp(): ReturnType<Stub['getTxTimestamp']> {
    const ms = this.proposal.timestampMs;
    const txTimestamp = { getSeconds: () => Math.floor(ms / 1000), getNanos: () => (ms % 1000) * 1_000_000 };
    return shim.getTxTimestamp.call({ txTimestamp });
  }
  getDateTimestamp(): Date {
    return new Date(this.proposal.timestampMs);
  }
  getArgs(): string[] {
    return [...this.proposal.args];
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  /** What fabric-shim's contract dispatcher reads. */
  getBufferArgs(): Buffer[] {
    return this.proposal.args.map((a) => Buffer.from(a, 'utf8'));
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [fcn = '', ...params] = this.proposal.args;
    return { fcn, params };
  }

  async getState(key: string): Promise<Uint8Array> {
    const entry = this.committed.get(key);
    this.reads.set(key, entry?.version);
    return entry ? Buffer.from(entry.value) : Buffer.alloc(0);
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    this.#beforeWrite(key);
    this.writes.set(key, value.length === 0 ? null : Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    this.#beforeWrite(key);
    this.writes.set(key, null);
  }
  #beforeWrite(key: string): void {
    if (typeof key !== 'string' || key === '') throw new Error('key must be a non-empty string');
    if (this.#paginated) {
      throw new Error('txmgr: transaction has already performed a paginated query; writes are not allowed');
    }
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return shim.createCompositeKey(objectType, attributes);
  }
  splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
    return shim.splitCompositeKey(compositeKey);
  }

  #range(start: string, end: string, record: boolean): KV[] {
    const results = this.committed.range(start, end);
    if (record) this.rangeReads.push({ start, end, results: results.map(([k, v]) => [k, v.version]) });
    return results.map(([key, v]) => ({ namespace: 'provena', key, value: Buffer.from(v.value) }));
  }
  #page(
    start: string,
    end: string,
    pageSize: number,
    bookmark: string,
  ): { iterator: QueryIterator<KV>; metadata: { fetchedRecordsCount: number; bookmark: string } } {
    if (this.writes.size > 0) {
      throw new Error('txmgr: paginated queries are not supported in a transaction that writes');
    }
    if (!Number.isInteger(pageSize) || pageSize <= 0) throw new Error('pageSize must be a positive integer');
    this.#paginated = true;
    const all = this.#range(bookmark === '' ? start : bookmark, end, false);
    const items = all.slice(0, pageSize);
    const next = all[pageSize];
    const metadata = { fetchedRecordsCount: items.length, bookmark: next ? next.key : '' };
    return {
      iterator: iterator(items),
      // As fabric-shim hands it over: an empty page's metadata is all protobuf defaults, zero bytes on the wire,
      // and the shim then gives no metadata object at all (seen on the native network).
      metadata: (items.length === 0 && metadata.bookmark === '' ? undefined : metadata) as typeof metadata,
    };
  }

  getStateByRange(startKey: string, endKey: string): ReturnType<Stub['getStateByRange']> {
    const start = startKey || EMPTY_KEY_SUBSTITUTE;
    const run = async (): Promise<QueryIterator<KV>> => {
      validateSimpleKeys(start, endKey);
      return iterator(this.#range(start, endKey, true));
    };
    return queryResult(run(), (it) => it);
  }
  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark = '',
  ): ReturnType<Stub['getStateByRangeWithPagination']> {
    const start = startKey || EMPTY_KEY_SUBSTITUTE;
    const run = async () => {
      validateSimpleKeys(start, endKey);
      return this.#page(start, endKey, pageSize, bookmark);
    };
    return queryResult(run(), (r) => r.iterator);
  }
  getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): ReturnType<Stub['getStateByPartialCompositeKey']> {
    const run = async (): Promise<QueryIterator<KV>> => {
      const prefix = this.createCompositeKey(objectType, attributes);
      return iterator(this.#range(prefix, prefix + MAX_UNICODE_RUNE, true));
    };
    return queryResult(run(), (it) => it);
  }
  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = '',
  ): ReturnType<Stub['getStateByPartialCompositeKeyWithPagination']> {
    const run = async () => {
      const prefix = this.createCompositeKey(objectType, attributes);
      return this.#page(prefix, prefix + MAX_UNICODE_RUNE, pageSize, bookmark);
    };
    return queryResult(run(), (r) => r.iterator);
  }
  getHistoryForKey(key: string): ReturnType<Stub['getHistoryForKey']> {
    const run = async (): Promise<QueryIterator<KeyModification>> =>
      iterator([...this.committed.history(key)].reverse());
    return queryResult(run(), (it) => it);
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
    this.event = { name, payload: Buffer.from(payload) };
  }

  getTransient(): Map<string, Uint8Array> {
    return new Map(this.proposal.transient ?? []);
  }
  getSignedProposal(): ReturnType<Stub['getSignedProposal']> {
    return unsupported('getSignedProposal');
  }
  getBinding(): string {
    return unsupported('getBinding');
  }
  setStateValidationParameter(): Promise<void> {
    return unsupported('setStateValidationParameter');
  }
  getStateValidationParameter(): Promise<Uint8Array> {
    return unsupported('getStateValidationParameter');
  }
  getQueryResult(): ReturnType<Stub['getQueryResult']> {
    return unsupported('getQueryResult (rich queries need CouchDB; this chaincode works on LevelDB)');
  }
  getQueryResultWithPagination(): ReturnType<Stub['getQueryResultWithPagination']> {
    return unsupported('getQueryResultWithPagination');
  }
  invokeChaincode(): ReturnType<Stub['invokeChaincode']> {
    return unsupported('invokeChaincode');
  }
  // Fabric's own wording for a collection the definition lacks and for a non-member's read or write, so tests
  // see what a peer says.
  #collection(name: string, access: 'read' | 'write'): CollectionDefinition {
    const collection = this.committed.collection(name);
    if (!collection) throw new Error(`collection ${name} not defined`);
    const member = collection.memberMspIds.includes(this.proposal.creator.mspid);
    const restricted = access === 'read' ? collection.memberOnlyRead : collection.memberOnlyWrite;
    if (restricted && !member) {
      throw new Error(
        `tx creator does not have ${access} access permission on privatedata in chaincodeName:provena collectionName: ${name}`,
      );
    }
    return collection;
  }
  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    this.#collection(collection, 'read');
    const entry = this.committed.getPrivate(collection, key);
    this.privateReads.set(`${collection}\u0000${key}`, entry?.version);
    return entry ? Buffer.from(entry.value) : Buffer.alloc(0);
  }
  async getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    if (!this.committed.collection(collection)) throw new Error(`collection ${collection} not defined`);
    const entry = this.committed.getPrivate(collection, key);
    return entry ? createHash('sha256').update(entry.value).digest() : Buffer.alloc(0);
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    this.#collection(collection, 'write');
    validateSimpleKeys(key);
    if (value.length === 0) throw new Error('value cannot be empty');
    this.privateWrites.set(`${collection}\u0000${key}`, Buffer.from(value));
  }
  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.#collection(collection, 'write');
    this.privateWrites.set(`${collection}\u0000${key}`, null);
  }
  purgePrivateData(): Promise<void> {
    return unsupported('purgePrivateData');
  }
  setPrivateDataValidationParameter(): Promise<void> {
    return unsupported('setPrivateDataValidationParameter');
  }
  getPrivateDataValidationParameter(): Promise<Uint8Array> {
    return unsupported('getPrivateDataValidationParameter');
  }
  getPrivateDataByRange(): ReturnType<Stub['getPrivateDataByRange']> {
    return unsupported('getPrivateDataByRange');
  }
  getPrivateDataByPartialCompositeKey(): ReturnType<Stub['getPrivateDataByPartialCompositeKey']> {
    return unsupported('getPrivateDataByPartialCompositeKey');
  }
  getPrivateDataQueryResult(): ReturnType<Stub['getPrivateDataQueryResult']> {
    return unsupported('getPrivateDataQueryResult');
  }
}
