import './quiet-fabric-logs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context, type Contract } from 'fabric-contract-api';
import {
  InMemoryStub,
  type CollectionDefinition,
  type CommittedView,
  type Versioned,
} from './in-memory-stub';

/** The NodeOU a test identity's certificate carries (`none`: a certificate without any NodeOU). */
export type OuRole = 'admin' | 'client' | 'peer' | 'none';

/** Who signs a test transaction. The MSP id comes from the serialized identity, as in Fabric, not from the cert. */
export interface TestIdentity {
  mspId: string;
  ou?: OuRole;
  /** Certificate attributes, as Fabric CA writes them into an enrolment certificate (`provena.role`). */
  attrs?: Readonly<Record<string, string>>;
  /** Fabric's client id; defaults to one derived from the MSP id and OU. */
  id?: string;
}

/** Fabric's validation codes for the cases the stub can produce. */
export type ValidationCode = 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT';

/** What a client may set on a proposal besides its arguments. */
export interface ProposalOptions {
  timestampMs?: number;
  /** The transient map (private data goes here): seen by the chaincode, never written to the ledger. */
  transient?: Record<string, Uint8Array>;
}

/**
 * The collections of the chaincode definition, from the file `network.sh deploy` commits (`chaincode/collections.json`):
 * members are the MSP ids named in each collection's policy.
 */
function loadCollections(): Map<string, CollectionDefinition> {
  const file = join(__dirname, '..', '..', 'collections.json');
  const declared = JSON.parse(readFileSync(file, 'utf8')) as {
    name: string;
    policy: string;
    memberOnlyRead?: boolean;
    memberOnlyWrite?: boolean;
  }[];
  return new Map(
    declared.map((c) => [
      c.name,
      {
        name: c.name,
        memberMspIds: [...c.policy.matchAll(/'([A-Za-z0-9.-]+)\.member'/g)].map((m) => m[1] as string),
        memberOnlyRead: c.memberOnlyRead ?? false,
        memberOnlyWrite: c.memberOnlyWrite ?? false,
      },
    ]),
  );
}

/** A committed transaction's chaincode event, payload parsed. */
export interface RecordedEvent {
  txId: string;
  name: string;
  payload: unknown;
}

/** What `submit` returns: the transaction id, the parsed result and the event, as a client would learn them. */
export interface SubmitResult<T = unknown> {
  txId: string;
  result: T;
  event: { name: string; payload: unknown } | undefined;
}

// Certificates generated once with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 -subj "<subject>"
// (private keys discarded): only their subjects matter to the chaincode.
const CERT_FILES: Record<OuRole, string> = {
  admin: 'admin.cert.pem',
  client: 'client.cert.pem',
  peer: 'peer.cert.pem',
  none: 'no-role.cert.pem',
};

/** A fixture certificate from src/__fixtures__. */
export function fixtureCertificate(name: string): Buffer {
  return readFileSync(join(__dirname, '..', '__fixtures__', name));
}

/** A client identity set per transaction: MSP id, a real certificate with the chosen OU, and an id. */
export class TestClientIdentity implements Pick<Context['clientIdentity'], keyof Context['clientIdentity']> {
  readonly #idBytes: Buffer;

  constructor(readonly identity: Required<TestIdentity>) {
    this.#idBytes = fixtureCertificate(CERT_FILES[identity.ou]);
  }
  getID(): string {
    return this.identity.id;
  }
  getMSPID(): string {
    return this.identity.mspId;
  }
  getIDBytes(): Uint8Array {
    return this.#idBytes;
  }
  getAttributeValue(name: string): string | null {
    return this.identity.attrs[name] ?? null;
  }
  assertAttributeValue(name: string, value: string): boolean {
    return this.identity.attrs[name] === value;
  }
}

function withDefaults(identity: TestIdentity): Required<TestIdentity> {
  const ou = identity.ou ?? 'client';
  return {
    mspId: identity.mspId,
    ou,
    attrs: identity.attrs ?? {},
    id:
      identity.id ??
      `x509::/O=${identity.mspId}/OU=${ou}/CN=${ou}@${identity.mspId}::/CN=ca.${identity.mspId}`,
  };
}

/** A transaction context over the in-memory stub, as fabric-chaincode-node builds one per invocation. */
export class InMemoryContext extends Context {
  declare stub: InMemoryStub;

  constructor(stub: InMemoryStub, identity: TestClientIdentity) {
    super();
    this.stub = stub;
    this.clientIdentity = identity;
  }
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

type HistoryEntry = {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestamp: { seconds: number; nanos: number };
};
type TransactionMetadata = { name: string; tag: string[]; parameters?: unknown[] };
const reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };

/**
 * A channel's ledger in memory: committed world state with versions, key history, chaincode events, a
 * transaction id and a timestamp per transaction, and MVCC validation at commit. Deterministic: the same
 * transactions produce the same ids, timestamps and bytes.
 *
 * @example
 * const ledger = new InMemoryLedger();
 * await ledger.submit({ mspId: 'ProducerMSP', ou: 'admin' }, new DeviceContract(), 'RegisterDevice', json);
 */
export class InMemoryLedger {
  readonly channelId: string;
  readonly #state = new Map<string, Versioned>();
  /**
   * The state's keys in Fabric's order, kept sorted as commits add and delete keys: a range query is a binary
   * search and a walk, not a sort of the whole state (the gateway's tests record tens of thousands of readings,
   * each batch reading ranges).
   */
  readonly #sortedKeys: string[] = [];
  readonly #history = new Map<string, HistoryEntry[]>();
  readonly #events: RecordedEvent[] = [];
  /** Private data as a member organisation's peer holds it, keyed `collection\u0000key`. */
  readonly #private = new Map<string, Versioned>();
  readonly #collections: ReadonlyMap<string, CollectionDefinition> = loadCollections();
  #proposals = 0;
  #commits = 0;
  #clockMs: number;
  readonly #stepMs: number;

  constructor(options: { channelId?: string; startMs?: number; stepMs?: number } = {}) {
    this.channelId = options.channelId ?? 'provena';
    this.#clockMs = options.startMs ?? Date.UTC(2026, 10, 2);
    this.#stepMs = options.stepMs ?? 1000;
  }

  /** The index of the first key not before `key` in Fabric's order. */
  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.#sortedKeys[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  readonly #view: CommittedView = {
    get: (key) => this.#state.get(key),
    range: (start, end) => {
      const found: [string, Versioned][] = [];
      for (let i = this.#lowerBound(start); i < this.#sortedKeys.length; i++) {
        const key = this.#sortedKeys[i] as string;
        if (end !== '' && compareKeys(key, end) >= 0) break;
        found.push([key, this.#state.get(key) as Versioned]);
      }
      return found;
    },
    history: (key) =>
      (this.#history.get(key) ?? []).map((h) => ({
        ...h,
        // The shim hands history timestamps over as plain numbers, unlike the transaction timestamp's Long.
        timestamp: h.timestamp as unknown as ReturnType<Context['stub']['getTxTimestamp']>,
      })),
    getPrivate: (collection, key) => this.#private.get(`${collection}\u0000${key}`),
    collection: (name) => this.#collections.get(name),
  };

  /** Starts simulating a proposal: a fresh tx id, the next clock tick (or the given time), the given identity. */
  begin(identity: TestIdentity, options: ProposalOptions & { args?: string[] } = {}): InMemoryContext {
    const n = ++this.#proposals;
    this.#clockMs += this.#stepMs;
    const client = new TestClientIdentity(withDefaults(identity));
    const stub = new InMemoryStub(this.#view, {
      txId: createHash('sha256').update(`${this.channelId}/${n}`).digest('hex'),
      channelId: this.channelId,
      timestampMs: options.timestampMs ?? this.#clockMs,
      creator: { mspid: client.getMSPID(), idBytes: client.getIDBytes() },
      args: options.args ?? [],
      ...(options.transient && { transient: new Map(Object.entries(options.transient)) }),
    });
    return new InMemoryContext(stub, client);
  }

  /** Validates and commits a simulated transaction, as the committing peer does. Invalid ones change nothing. */
  commit(ctx: InMemoryContext): ValidationCode {
    const { stub } = ctx;
    for (const [key, version] of stub.reads) {
      if (this.#state.get(key)?.version !== version) return 'MVCC_READ_CONFLICT';
    }
    for (const read of stub.rangeReads) {
      const now = this.#view.range(read.start, read.end).map(([k, v]) => `${k}@${v.version}`);
      if (now.join('\n') !== read.results.map(([k, v]) => `${k}@${v}`).join('\n'))
        return 'PHANTOM_READ_CONFLICT';
    }
    for (const [key, version] of stub.privateReads) {
      if (this.#private.get(key)?.version !== version) return 'MVCC_READ_CONFLICT';
    }
    const version = ++this.#commits;
    const ms = stub.proposal.timestampMs;
    const timestamp = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
    for (const [key, value] of stub.writes) {
      if (value === null) {
        if (this.#state.delete(key)) this.#sortedKeys.splice(this.#lowerBound(key), 1);
      } else {
        if (!this.#state.has(key)) this.#sortedKeys.splice(this.#lowerBound(key), 0, key);
        this.#state.set(key, { value, version });
      }
      const entries = this.#history.get(key) ?? [];
      entries.push({
        txId: stub.getTxID(),
        value: value ?? Buffer.alloc(0),
        isDelete: value === null,
        timestamp,
      });
      this.#history.set(key, entries);
    }
    for (const [key, value] of stub.privateWrites) {
      if (value === null) this.#private.delete(key);
      else this.#private.set(key, { value, version });
    }
    if (stub.event) {
      this.#events.push({
        txId: stub.getTxID(),
        name: stub.event.name,
        payload: JSON.parse(stub.event.payload.toString('utf8')),
      });
    }
    return 'VALID';
  }

  /**
   * Runs a transaction function as fabric-chaincode-node does (declared transactions only, exact argument count,
   * before/around/after hooks) and returns its parsed result.
   */
  async run(
    ctx: InMemoryContext,
    contract: Contract,
    fn: string,
    args: string[],
    kind: 'SUBMIT' | 'EVALUATE',
  ): Promise<unknown> {
    const declared = (reflect.getMetadata('fabric:transactions', contract) ?? []) as TransactionMetadata[];
    const tx = declared.find((t) => t.name === fn);
    if (!tx) throw new Error(`${contract.getName()} declares no transaction ${fn}`);
    if (!tx.tag.includes(kind)) throw new Error(`${contract.getName()}:${fn} is not tagged ${kind}`);
    const expected = tx.parameters?.length ?? 0;
    if (args.length !== expected)
      throw new Error(`Expected ${expected} parameters, but ${args.length} have been supplied`);
    Object.assign(ctx.stub.proposal, { args: [`${contract.getName()}:${fn}`, ...args] });
    await contract.beforeTransaction(ctx);
    const result = (await contract.aroundTransaction(ctx, fn as never, args)) as unknown;
    await contract.afterTransaction(ctx, result);
    return typeof result === 'string' ? JSON.parse(result) : result;
  }

  /**
   * Endorses and commits one transaction. Throws the chaincode's error (nothing is written), or an Error naming
   * the validation code if the commit is invalid.
   */
  async submit<T = unknown>(
    identity: TestIdentity,
    contract: Contract,
    fn: string,
    ...args: string[]
  ): Promise<SubmitResult<T>> {
    return this.submitAt(identity, undefined, contract, fn, ...args);
  }

  /** {@link submit} with a chosen transaction timestamp (Unix ms), or with proposal options. */
  async submitAt<T = unknown>(
    identity: TestIdentity,
    at: number | ProposalOptions | undefined,
    contract: Contract,
    fn: string,
    ...args: string[]
  ): Promise<SubmitResult<T>> {
    const ctx = this.begin(identity, typeof at === 'number' ? { timestampMs: at } : (at ?? {}));
    const result = (await this.run(ctx, contract, fn, args, 'SUBMIT')) as T;
    const code = this.commit(ctx);
    if (code !== 'VALID') throw new Error(`transaction ${ctx.stub.getTxID()} invalid: ${code}`);
    const event = ctx.stub.event;
    return {
      txId: ctx.stub.getTxID(),
      result,
      event: event && { name: event.name, payload: JSON.parse(event.payload.toString('utf8')) },
    };
  }

  /** The committed private value of a key as text, or undefined: what a member organisation's peer holds. */
  getPrivate(collection: string, key: string): string | undefined {
    return this.#private.get(`${collection}\u0000${key}`)?.value.toString('utf8');
  }

  /** Evaluates a query on the committed state; nothing is committed. */
  async evaluate<T = unknown>(
    identity: TestIdentity,
    contract: Contract,
    fn: string,
    ...args: string[]
  ): Promise<T> {
    return (await this.run(this.begin(identity), contract, fn, args, 'EVALUATE')) as T;
  }

  /** The committed value of a key as text, or undefined. */
  get(key: string): string | undefined {
    return this.#state.get(key)?.value.toString('utf8');
  }

  /** Every committed key in byte order. */
  keys(): string[] {
    return [...this.#sortedKeys];
  }

  /** The committed state as one string (keys in byte order), to compare ledgers byte for byte. */
  dump(): string {
    return this.keys()
      .map((key) => `${JSON.stringify(key)}=${this.get(key) ?? ''}`)
      .join('\n');
  }

  /** Events of committed transactions, oldest first. */
  events(): readonly RecordedEvent[] {
    return this.#events;
  }
}
