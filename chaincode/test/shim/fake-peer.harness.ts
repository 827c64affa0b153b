import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ledger, peer } from '@hyperledger/fabric-protos';
import {
  decodeGetStateMultiple,
  decodeWriteBatch,
  encodeGetStateMultipleResult,
} from '../../src/testing/state-batch-decoder';
import { buildProposal, protoTimestamp, readProposal, type Creator } from './proposal.helper';

// A test double of a Fabric peer's side of the chaincode protocol (core/chaincode/handler.go): it connects to a
// chaincode-as-a-service process the way a peer does, sends it TRANSACTION messages built from real proposals,
// and serves its GET_STATE, PUT_STATE, range, history and iterator requests from an in-memory world state. It
// keeps the semantics a chaincode can observe; it does not order, validate endorsement policies, check MVCC
// versions (tests commit one transaction at a time) or verify signatures.

const Type = peer.ChaincodeMessage.Type;
type MessageType = (typeof Type)[keyof typeof Type];
type Stream = grpc.ClientDuplexStream<peer.ChaincodeMessage, peer.ChaincodeMessage>;

/** Fabric's batch size between peer and shim for unpaginated queries (QueryResponseGenerator.MaxResultLimit). */
export const MAX_RESULT_LIMIT = 100;
/** Fabric's default `ledger.state.totalQueryLimit`: the most results one query returns. */
const TOTAL_QUERY_LIMIT = 100_000;
/** Fabric's ERRORTHRESHOLD: a chaincode response at or above it fails endorsement. */
const ERROR_THRESHOLD = 400;

/** A chaincode event as the chaincode set it. */
export interface ChaincodeEventRecord {
  readonly name: string;
  readonly payload: Buffer;
}

/** What one run of the chaincode produced: its response, its event and its simulated writes. */
export interface Endorsement {
  readonly txId: string;
  readonly timestampMs: number;
  readonly status: number;
  readonly message: string;
  readonly payload: Buffer;
  readonly event: ChaincodeEventRecord | undefined;
  /** The write set, in first-write order: key → value, null for a delete. Discarded when the chaincode fails. */
  readonly writes: ReadonlyMap<string, Buffer | null>;
  /**
   * The messages the chaincode sent for this transaction, by type (`GET_STATE`, `PUT_STATE`, …, `COMPLETED`). The
   * peer answers each one but `COMPLETED` with a RESPONSE or an ERROR, so the state calls are the round trips.
   */
  readonly messages: ReadonlyMap<string, number>;
}

/** An event of a committed transaction. */
export interface CommittedEvent extends ChaincodeEventRecord {
  readonly txId: string;
}

/** The chaincode refused the proposal (status >= 400); `message` is the chaincode's message, unwrapped. */
export class ChaincodeRefusal extends Error {
  override readonly name = 'ChaincodeRefusal';

  constructor(
    readonly txId: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The peer side of one chaincode connection, with a channel's world state. */
export interface FakePeer {
  /** The chaincode id the chaincode sent in REGISTER. */
  readonly registeredAs: string;
  /** Runs a proposal (endorsement only): nothing is committed. */
  endorse(creator: Creator, args: readonly string[]): Promise<Endorsement>;
  /**
   * Endorses and commits: the writes are applied and the event recorded, as after a valid block.
   * @throws {@link ChaincodeRefusal} when the chaincode fails; nothing is committed.
   */
  submit(creator: Creator, args: readonly string[]): Promise<Endorsement>;
  /**
   * Endorses without committing, as a query (evaluate) does.
   * @throws {@link ChaincodeRefusal} when the chaincode fails.
   */
  evaluate(creator: Creator, args: readonly string[]): Promise<Endorsement>;
  /** Events of committed transactions, oldest first. */
  events(): readonly CommittedEvent[];
  /** Ends the stream and the gRPC client. */
  close(): Promise<void>;
}

export interface FakePeerOptions {
  /** host:port of the chaincode server. */
  readonly address: string;
  /** The chaincode id the peer expects in REGISTER; proposals name the part before the colon. */
  readonly chaincodeId: string;
  readonly channelId: string;
  /** Transaction timestamps (a client's clock). */
  readonly clock: () => number;
  /** The peer's `chaincode.executetimeout`; default 10 s. */
  readonly executeTimeoutMs?: number;
}

interface KeyModification {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestampMs: number;
}

// UTF-16 code units sort surrogates (U+D800..DFFF) below U+E000..FFFF; code points and UTF-8 bytes do not.
function codePointOrderUnit(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** LevelDB's key order (UTF-8 bytes, which is code point order), without encoding the keys. */
function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

/** The first index in `sorted` (from `from` on) whose key is not below `key`. */
function lowerBound(sorted: readonly string[], key: string, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(sorted[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Committed state in LevelDB's order (UTF-8 bytes), and every key's history. Keys are kept in a sorted array,
 * brought up to date at the next range query (benchmarks commit hundreds of thousands of keys and range over a
 * few of them per transaction), so a range costs a binary search and its results, not a scan of the state.
 */
class WorldState {
  readonly #values = new Map<string, Buffer>();
  readonly #history = new Map<string, KeyModification[]>();
  #sorted: string[] = [];
  /** Keys committed since the last range query that are not in #sorted. */
  readonly #added = new Set<string>();
  /** Keys in #sorted deleted since the last range query. */
  readonly #deleted = new Set<string>();

  get(key: string): Buffer | undefined {
    return this.#values.get(key);
  }

  /** Keys in [start, end) in byte order; an empty end is unbounded. */
  range(start: string, end: string): [string, Buffer][] {
    this.#sort();
    const results: [string, Buffer][] = [];
    for (let i = lowerBound(this.#sorted, start); i < this.#sorted.length; i++) {
      const key = this.#sorted[i]!;
      if (end !== '' && compareKeys(key, end) >= 0) break;
      results.push([key, this.#values.get(key)!]);
    }
    return results;
  }

  #sort(): void {
    if (this.#deleted.size > 0) {
      this.#sorted = this.#sorted.filter((key) => !this.#deleted.has(key));
      this.#deleted.clear();
    }
    if (this.#added.size === 0) return;
    const merged: string[] = [];
    let from = 0;
    for (const key of [...this.#added].sort(compareKeys)) {
      const at = lowerBound(this.#sorted, key, from);
      for (let i = from; i < at; i++) merged.push(this.#sorted[i]!);
      merged.push(key);
      from = at;
    }
    for (let i = from; i < this.#sorted.length; i++) merged.push(this.#sorted[i]!);
    this.#sorted = merged;
    this.#added.clear();
  }

  /** Newest first, as Fabric 2.x returns history. */
  history(key: string): KeyModification[] {
    return [...(this.#history.get(key) ?? [])].reverse();
  }

  apply(txId: string, timestampMs: number, writes: ReadonlyMap<string, Buffer | null>): void {
    for (const [key, value] of writes) {
      const existed = this.#values.has(key);
      if (value === null) {
        if (existed && !this.#added.delete(key)) this.#deleted.add(key);
        this.#values.delete(key);
      } else {
        if (!existed && !this.#deleted.delete(key)) this.#added.add(key);
        this.#values.set(key, value);
      }
      const entries = this.#history.get(key) ?? [];
      entries.push({ txId, value: value ?? Buffer.alloc(0), isDelete: value === null, timestampMs });
      this.#history.set(key, entries);
    }
  }
}

/** An open query: its remaining results, served in batches of MAX_RESULT_LIMIT. */
interface QueryContext {
  remaining: Uint8Array[];
}

/** How the chaincode ended a transaction. */
type Outcome = Pick<Endorsement, 'status' | 'message' | 'payload' | 'event'>;

/** One transaction being simulated. */
interface Simulation {
  readonly writes: Map<string, Buffer | null>;
  readonly messages: Map<string, number>;
  /** Open unpaginated queries by iterator id. */
  readonly queries: Map<string, QueryContext>;
  paginatedQueryPerformed: boolean;
  readonly done: (outcome: Outcome) => void;
}

function kvResult(key: string, value: Buffer): Uint8Array {
  const kv = new ledger.queryresult.KV();
  kv.setKey(key);
  kv.setValue(value);
  return kv.serializeBinary();
}

function historyResult(m: KeyModification): Uint8Array {
  const km = new ledger.queryresult.KeyModification();
  km.setTxId(m.txId);
  km.setValue(m.value);
  km.setIsDelete(m.isDelete);
  km.setTimestamp(protoTimestamp(m.timestampMs));
  return km.serializeBinary();
}

function queryResponse(
  id: string,
  results: Uint8Array[],
  hasMore: boolean,
  metadata?: Uint8Array,
): Uint8Array {
  const response = new peer.QueryResponse();
  response.setId(id);
  response.setHasMore(hasMore);
  response.setResultsList(
    results.map((bytes) => {
      const r = new peer.QueryResultBytes();
      r.setResultbytes(bytes);
      return r;
    }),
  );
  if (metadata) response.setMetadata(metadata);
  return response.serializeBinary();
}

/** Fabric 3.1's batched state calls (chaincode_shim.proto), newer than the protobuf package the shim ships with. */
const WRITE_BATCH_STATE = 24;
const GET_STATE_MULTIPLE = 25;
const RECORD_PUT_STATE = 9;

const TYPE_NAMES = {
  ...Object.fromEntries(Object.entries(Type).map(([name, n]) => [n, name])),
  [WRITE_BATCH_STATE]: 'WRITE_BATCH_STATE',
  [GET_STATE_MULTIPLE]: 'GET_STATE_MULTIPLE',
} as Record<number, string>;

/**
 * Connects to a chaincode server as a peer does and completes the handshake (REGISTER → REGISTERED, READY).
 * @throws Error when the chaincode registers under another id or the stream fails first.
 */
export async function connectFakePeer(options: FakePeerOptions): Promise<FakePeer> {
  const client = new peer.ChaincodeClient(options.address, grpc.credentials.createInsecure());
  const stream: Stream = client.connect();
  const state = new WorldState();
  const committedEvents: CommittedEvent[] = [];
  const simulations = new Map<string, Simulation>();
  const chaincodeName = options.chaincodeId.split(':')[0] ?? '';
  let registered: (name: string) => void = () => undefined;
  let failed: (err: Error) => void = () => undefined;
  const handshake = new Promise<string>((resolve, reject) => {
    registered = resolve;
    failed = reject;
  });

  function send(type: MessageType, txId: string, payload: Uint8Array, channelId = options.channelId): void {
    const msg = new peer.ChaincodeMessage();
    msg.setType(type);
    msg.setTxid(txId);
    msg.setChannelId(channelId);
    msg.setPayload(payload);
    msg.setTimestamp(protoTimestamp(Date.now()));
    stream.write(msg);
  }

  function rangeQuery(sim: Simulation, request: peer.GetStateByRange): Uint8Array {
    if (request.getCollection() !== '') throw new Error('private data is not supported by the fake peer');
    const metadataBytes = request.getMetadata_asU8();
    const metadata =
      metadataBytes.length > 0 ? peer.QueryMetadata.deserializeBinary(metadataBytes) : undefined;
    const id = randomUUID();
    // Fabric: paginated when metadata names a page size or a bookmark; the bookmark replaces the start key.
    if (metadata && (metadata.getPagesize() > 0 || metadata.getBookmark() !== '')) {
      if (sim.writes.size > 0) {
        throw new Error(
          'txmgr: the transaction has already performed a write on public data; paginated queries are not supported in a transaction that writes',
        );
      }
      sim.paginatedQueryPerformed = true;
      const start = metadata.getBookmark() || request.getStartkey();
      const limit = Math.min(
        metadata.getPagesize() > 0 ? metadata.getPagesize() : Infinity,
        TOTAL_QUERY_LIMIT,
      );
      const entries = state.range(start, request.getEndkey());
      const page = entries.slice(0, limit);
      const responseMetadata = new peer.QueryResponseMetadata();
      responseMetadata.setFetchedRecordsCount(page.length);
      // LevelDB's bookmark: the key after the page, "" when the range is exhausted.
      responseMetadata.setBookmark(entries[limit]?.[0] ?? '');
      // Paginated results come in one response, whatever their number, and the query context is gone after it.
      return queryResponse(
        id,
        page.map(([key, value]) => kvResult(key, value)),
        false,
        responseMetadata.serializeBinary(),
      );
    }
    const results = state
      .range(request.getStartkey(), request.getEndkey())
      .slice(0, TOTAL_QUERY_LIMIT)
      .map(([key, value]) => kvResult(key, value));
    return nextBatch(sim, id, { remaining: results });
  }

  function nextBatch(sim: Simulation, id: string, context: QueryContext): Uint8Array {
    const batch = context.remaining.slice(0, MAX_RESULT_LIMIT);
    context.remaining = context.remaining.slice(MAX_RESULT_LIMIT);
    const hasMore = context.remaining.length > 0;
    // Like the peer, forget the iterator once the last batch is out; a later QUERY_STATE_CLOSE is still answered.
    if (hasMore) sim.queries.set(id, context);
    else sim.queries.delete(id);
    return queryResponse(id, batch, hasMore);
  }

  function write(sim: Simulation, collection: string, key: string, value: Buffer | null): Uint8Array {
    if (collection !== '') throw new Error('private data is not supported by the fake peer');
    if (sim.paginatedQueryPerformed) {
      throw new Error(
        'txmgr: the transaction has already performed a paginated query; writes are not allowed',
      );
    }
    // Fabric stores an empty value as a delete.
    sim.writes.set(key, value === null || value.length === 0 ? null : value);
    return new Uint8Array();
  }

  function serve(sim: Simulation, type: MessageType, payload: Uint8Array): Uint8Array {
    switch (type) {
      case Type.GET_STATE: {
        const request = peer.GetState.deserializeBinary(payload);
        if (request.getCollection() !== '') throw new Error('private data is not supported by the fake peer');
        // Committed state only: a transaction never reads its own writes.
        return state.get(request.getKey()) ?? new Uint8Array();
      }
      case Type.PUT_STATE: {
        const request = peer.PutState.deserializeBinary(payload);
        return write(sim, request.getCollection(), request.getKey(), Buffer.from(request.getValue_asU8()));
      }
      case Type.DEL_STATE: {
        const request = peer.DelState.deserializeBinary(payload);
        return write(sim, request.getCollection(), request.getKey(), null);
      }
      case GET_STATE_MULTIPLE as MessageType: {
        const request = decodeGetStateMultiple(payload);
        if (request.collection !== '') throw new Error('private data is not supported by the fake peer');
        // Committed state only, as GET_STATE; one value per key, empty where none (handler.go).
        return encodeGetStateMultipleResult(request.keys.map((key) => state.get(key) ?? new Uint8Array()));
      }
      case WRITE_BATCH_STATE as MessageType: {
        // Fabric applies each record as its own PUT_STATE would (handler.go HandleWriteBatch).
        for (const record of decodeWriteBatch(payload)) {
          if (record.type !== RECORD_PUT_STATE)
            throw new Error(`write record type ${record.type} not supported`);
          write(sim, record.collection, record.key, record.value);
        }
        return new Uint8Array();
      }
      case Type.GET_STATE_BY_RANGE:
        return rangeQuery(sim, peer.GetStateByRange.deserializeBinary(payload));
      case Type.QUERY_STATE_NEXT: {
        const id = peer.QueryStateNext.deserializeBinary(payload).getId();
        const context = sim.queries.get(id);
        if (!context) throw new Error('query iterator not found');
        return nextBatch(sim, id, context);
      }
      case Type.QUERY_STATE_CLOSE: {
        const id = peer.QueryStateClose.deserializeBinary(payload).getId();
        sim.queries.delete(id);
        return queryResponse(id, [], false);
      }
      case Type.GET_HISTORY_FOR_KEY: {
        const key = peer.GetHistoryForKey.deserializeBinary(payload).getKey();
        const results = state.history(key).slice(0, TOTAL_QUERY_LIMIT).map(historyResult);
        return nextBatch(sim, randomUUID(), { remaining: results });
      }
      default:
        throw new Error(`${TYPE_NAMES[type] ?? type} is not supported by the fake peer`);
    }
  }

  stream.on('data', (msg: peer.ChaincodeMessage) => {
    const type = msg.getType();
    const txId = msg.getTxid();
    const channelId = msg.getChannelId();
    if (type === Type.REGISTER) {
      const name = peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName();
      if (name !== options.chaincodeId) {
        failed(new Error(`chaincode registered as ${name}, expected ${options.chaincodeId}`));
        stream.cancel();
        return;
      }
      send(Type.REGISTERED, '', new Uint8Array(), '');
      send(Type.READY, '', new Uint8Array(), '');
      registered(name);
      return;
    }
    const sim = channelId === options.channelId ? simulations.get(txId) : undefined;
    if (!sim) {
      send(Type.ERROR, txId, Buffer.from(`no transaction context for ${channelId}/${txId}`), channelId);
      return;
    }
    const typeName = TYPE_NAMES[type] ?? String(type);
    sim.messages.set(typeName, (sim.messages.get(typeName) ?? 0) + 1);
    if (type === Type.COMPLETED || type === Type.ERROR) {
      simulations.delete(txId);
      if (type === Type.ERROR) {
        // The shim could not run the transaction at all (unparseable input or proposal).
        const message = Buffer.from(msg.getPayload_asU8()).toString('utf8');
        sim.done({ status: 500, message, payload: Buffer.alloc(0), event: undefined });
        return;
      }
      const response = peer.Response.deserializeBinary(msg.getPayload_asU8());
      const event = msg.getChaincodeEvent();
      sim.done({
        status: response.getStatus(),
        message: response.getMessage(),
        payload: Buffer.from(response.getPayload_asU8()),
        event: event && { name: event.getEventName(), payload: Buffer.from(event.getPayload_asU8()) },
      });
      return;
    }
    try {
      send(Type.RESPONSE, txId, serve(sim, type, msg.getPayload_asU8()));
    } catch (err) {
      // The peer's wording: "<TYPE> failed: transaction ID: <txid>: <cause>".
      const cause = err instanceof Error ? err.message : String(err);
      send(Type.ERROR, txId, Buffer.from(`${TYPE_NAMES[type]} failed: transaction ID: ${txId}: ${cause}`));
    }
  });
  stream.on('error', (err: Error) => {
    failed(err);
    for (const sim of simulations.values()) {
      sim.done({
        status: 500,
        message: `stream failed: ${err.message}`,
        payload: Buffer.alloc(0),
        event: undefined,
      });
    }
    simulations.clear();
  });

  async function endorse(creator: Creator, args: readonly string[]): Promise<Endorsement> {
    const { signedProposal } = buildProposal({
      channelId: options.channelId,
      chaincodeName,
      creator,
      args,
      timestampMs: options.clock(),
    });
    // The peer's part from here: read the proposal, start a simulation, hand the chaincode its input.
    const proposal = readProposal(signedProposal);
    if (proposal.chaincodeName !== chaincodeName) throw new Error(`no chaincode ${proposal.chaincodeName}`);
    const writes = new Map<string, Buffer | null>();
    const messages = new Map<string, number>();
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        simulations.delete(proposal.txId);
        reject(new Error(`chaincode did not complete ${proposal.txId} within the execute timeout`));
      }, options.executeTimeoutMs ?? 10_000);
      simulations.set(proposal.txId, {
        writes,
        messages,
        queries: new Map(),
        paginatedQueryPerformed: false,
        done: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      });
      const msg = new peer.ChaincodeMessage();
      msg.setType(Type.TRANSACTION);
      msg.setTxid(proposal.txId);
      msg.setChannelId(proposal.channelId);
      msg.setPayload(proposal.input.serializeBinary());
      msg.setProposal(signedProposal);
      msg.setTimestamp(protoTimestamp(Date.now()));
      stream.write(msg);
    });
    return { txId: proposal.txId, timestampMs: proposal.timestampMs, ...outcome, writes, messages };
  }

  async function endorseOrThrow(creator: Creator, args: readonly string[]): Promise<Endorsement> {
    const endorsement = await endorse(creator, args);
    if (endorsement.status >= ERROR_THRESHOLD) {
      throw new ChaincodeRefusal(endorsement.txId, endorsement.status, endorsement.message);
    }
    return endorsement;
  }

  // A chaincode server registers as soon as the stream opens; a silent one is the wrong process or port.
  const timeout = setTimeout(() => failed(new Error('the chaincode sent no REGISTER within 5 s')), 5000);
  let registeredAs: string;
  try {
    registeredAs = await handshake;
  } catch (err) {
    stream.cancel();
    client.close();
    throw err;
  } finally {
    clearTimeout(timeout);
  }
  return {
    registeredAs,
    endorse,
    evaluate: endorseOrThrow,
    async submit(creator, args) {
      const endorsement = await endorseOrThrow(creator, args);
      state.apply(endorsement.txId, endorsement.timestampMs, endorsement.writes);
      if (endorsement.event) committedEvents.push({ txId: endorsement.txId, ...endorsement.event });
      return endorsement;
    },
    events: () => committedEvents,
    async close() {
      stream.end();
      stream.cancel();
      client.close();
    },
  };
}
