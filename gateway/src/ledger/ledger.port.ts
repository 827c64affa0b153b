/**
 * Who the gateway acts as on the ledger. The gateway holds one Fabric identity per organisation and role (its
 * certificate's NodeOU decides the role the chaincode sees); an API key maps to exactly one of them.
 */
export interface LedgerActor {
  /** The organisation's MSP id, e.g. `ProducerMSP`; auditors act as `AuditorMSP`. */
  readonly org: string;
  readonly role: 'admin' | 'operator' | 'auditor';
  /**
   * A person of the organisation enrolled with its Fabric CA: the gateway signs as them instead of as the
   * organisation's shared identity for `role`, so the ledger names who acted.
   */
  readonly person?: string;
}

/** A committed transaction: what the chaincode returned, and where on the ledger it now is. */
export interface Committed<T> {
  readonly result: T;
  readonly txId: string;
  /** The block that holds the transaction. */
  readonly blockNumber: bigint;
}

/** What a submit may carry besides its arguments. */
export interface SubmitOptions {
  /**
   * The proposal's transient map: delivered to the endorsing peers' chaincode and never written to a block. The
   * way private data (commercial terms) reaches a collection.
   */
  readonly transient?: Readonly<Record<string, Uint8Array>>;
}

/** One chaincode event of a committed transaction, payload parsed. */
export interface LedgerEventRecord {
  readonly name: string;
  readonly payload: unknown;
  readonly txId: string;
  readonly blockNumber: bigint;
}

/** A stream of chaincode events; it ends with an error when its peer goes away (reopen from the checkpoint). */
export interface LedgerEventStream extends AsyncIterable<LedgerEventRecord> {
  close(): void;
}

/** Where an event stream starts: after the position read from it (fabric-gateway's `Checkpoint` shape). */
export interface EventStart {
  getBlockNumber(): bigint | undefined;
  getTransactionId(): string | undefined;
}

/** A transaction as the ledger's blocks record it. */
export interface TransactionInfo {
  readonly txId: string;
  readonly blockNumber: bigint;
  /** Fabric's validation code: `VALID`, or why the committing peers marked it invalid. */
  readonly validationCode: string;
}

/**
 * The ledger, as the gateway's domain code sees it: submit (endorse, order, wait for a valid commit) and
 * evaluate (query one peer). `fn` is `contract:Transaction`, e.g. `reading:RecordReadings`; arguments are strings,
 * as the chaincode takes them; results are the chaincode's JSON, parsed.
 *
 * Adapters translate their failures into GatewayError: the chaincode's coded refusals keep their code,
 * unreachable peers and timeouts become LEDGER_UNAVAILABLE, invalid commits COMMIT_FAILED.
 */
export interface LedgerPort {
  submit<T>(
    actor: LedgerActor,
    fn: string,
    args: readonly string[],
    options?: SubmitOptions,
  ): Promise<Committed<T>>;
  evaluate<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<T>;
  /**
   * Where a transaction is on the ledger and whether its commit was valid (auditors' proof of a fact), as `actor`
   * sees it: adapters ask the actor's own organisation's copy of the ledger.
   * @throws GatewayError NOT_FOUND when no block holds the transaction.
   */
  transactionInfo(actor: LedgerActor, txId: string): Promise<TransactionInfo>;
  /** Chaincode events of committed transactions after `start`, then live ones as they commit. */
  openEvents(start: EventStart): Promise<LedgerEventStream>;
  /**
   * The last valid transaction that set a chaincode event, as the ledger is now: what a follower of
   * {@link openEvents} must have seen to be current. Null when there is none; undefined when the adapter cannot tell.
   */
  lastEventPosition?(): Promise<{ blockNumber: bigint; txId: string } | null | undefined>;
  /** Whether the ledger answers now (for `/ready`): a cheap query with a short deadline. */
  isReachable(): Promise<boolean>;
  /**
   * Transactions sent to the orderers again since start because no commit status came (Fabric: accepted by an
   * orderer, then lost with it). Undefined where the adapter has no orderers.
   */
  transactionsResent?(): number;
  close(): Promise<void>;
}

/** The DI token the ledger adapter is bound to. */
export const LEDGER = Symbol('LedgerPort');
