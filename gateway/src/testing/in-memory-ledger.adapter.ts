// First: silences fabric-contract-api's start-up logging before the contracts load.
import '@provena/chaincode/src/testing/quiet-fabric-logs';
import type { Contract } from 'fabric-contract-api';
import { contracts } from '@provena/chaincode';
import { InMemoryLedger, type TestIdentity } from '@provena/chaincode/src/testing/in-memory-context';
import { GatewayError, GatewayErrorCode, fromChaincodeMessage } from '../errors/gateway-error';
import type {
  Committed,
  EventStart,
  LedgerActor,
  LedgerEventRecord,
  LedgerEventStream,
  LedgerPort,
  SubmitOptions,
  TransactionInfo,
} from '../ledger/ledger.port';

/**
 * For unit tests only: the real chaincode contracts over the chaincode package's in-memory ledger (world state,
 * MVCC validation, events), behind the gateway's LedgerPort. Never bound outside tests: nothing here is Fabric.
 */
export class InMemoryLedgerAdapter implements LedgerPort {
  readonly ledger = new InMemoryLedger();
  // The list fabric-chaincode-node itself loads, so a contract added to the chaincode is here without a copy.
  readonly #contracts: Record<string, Contract> = Object.fromEntries(
    contracts.map((Class) => new Class()).map((contract) => [contract.getName(), contract]),
  );
  #block = 0n;
  readonly #blockOfTx = new Map<string, bigint>();
  /** Set to make every call fail as an unreachable ledger does. */
  unreachable = false;
  /** Every submitted transaction name, in order (lets tests count ledger round trips). */
  readonly submitted: string[] = [];

  async submit<T>(
    actor: LedgerActor,
    fn: string,
    args: readonly string[],
    options: SubmitOptions = {},
  ): Promise<Committed<T>> {
    const [contract, name] = this.#resolve(fn);
    this.submitted.push(fn);
    try {
      const { txId, result } = await this.ledger.submitAt<T>(
        identityOf(actor),
        { timestampMs: Date.now(), ...(options.transient && { transient: { ...options.transient } }) },
        contract,
        name,
        ...args,
      );
      const blockNumber = ++this.#block;
      this.#blockOfTx.set(txId, blockNumber);
      return { result, txId, blockNumber };
    } catch (err) {
      throw translate(err);
    }
  }

  async evaluate<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<T> {
    const [contract, name] = this.#resolve(fn);
    try {
      return await this.ledger.evaluate<T>(identityOf(actor), contract, name, ...args);
    } catch (err) {
      throw translate(err);
    }
  }

  /** One copy of the ledger here, so every actor sees the same answer. */
  async transactionInfo(_actor: LedgerActor, txId: string): Promise<TransactionInfo> {
    const blockNumber = this.#blockOfTx.get(txId);
    if (blockNumber === undefined) {
      throw new GatewayError(GatewayErrorCode.NotFound, `no block holds transaction ${txId}`);
    }
    return { txId, blockNumber, validationCode: 'VALID' };
  }

  /** Events after `start`, then new ones as they commit (polled: this is a test double). */
  /** The last committed transaction with an event (every block here holds one transaction). */
  async lastEventPosition(): Promise<{ blockNumber: bigint; txId: string } | null> {
    const last = this.ledger.events().at(-1);
    return last ? { blockNumber: this.#blockOfTx.get(last.txId) ?? 0n, txId: last.txId } : null;
  }

  async openEvents(start: EventStart): Promise<LedgerEventStream> {
    if (this.unreachable) {
      throw new GatewayError(GatewayErrorCode.LedgerUnavailable, 'in-memory ledger set unreachable');
    }
    let closed = false;
    const record = (e: { name: string; payload: unknown; txId: string }): LedgerEventRecord => ({
      name: e.name,
      payload: e.payload,
      txId: e.txId,
      blockNumber: this.#blockOfTx.get(e.txId) ?? 0n,
    });
    // Resume like fabric-gateway: from the checkpoint's block, after its transaction.
    const startBlock = start.getBlockNumber();
    const startTx = start.getTransactionId();
    let next = 0;
    if (startBlock !== undefined) {
      const all = this.ledger.events().map(record);
      next = all.findIndex((e) => e.blockNumber >= startBlock);
      if (next === -1) next = all.length;
      const at = all.findIndex((e) => e.txId === startTx);
      if (at >= next) next = at + 1;
    }
    const unreachable = (): boolean => this.unreachable;
    const committed = (): readonly { name: string; payload: unknown; txId: string }[] => this.ledger.events();
    return {
      close: () => {
        closed = true;
      },
      async *[Symbol.asyncIterator](): AsyncIterator<LedgerEventRecord> {
        while (!closed) {
          if (unreachable()) throw new GatewayError(GatewayErrorCode.LedgerUnavailable, 'event stream lost');
          // Only the events committed since the last look: the ledger's list only grows.
          const all = committed();
          while (next < all.length && !closed) yield record(all[next++] as (typeof all)[number]);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    };
  }

  async isReachable(): Promise<boolean> {
    return !this.unreachable;
  }

  async close(): Promise<void> {}

  #resolve(fn: string): [Contract, string] {
    if (this.unreachable) {
      throw new GatewayError(GatewayErrorCode.LedgerUnavailable, 'in-memory ledger set unreachable');
    }
    const [contractName, name] = fn.split(':');
    const contract = this.#contracts[contractName ?? ''];
    if (!contract || !name) throw new Error(`unknown transaction ${fn}`);
    return [contract, name];
  }
}

// A person stands in as Fabric CA enrols one: a client certificate with the role in its provena.role attribute.
function identityOf(actor: LedgerActor): TestIdentity {
  if (actor.person === undefined)
    return { mspId: actor.org, ou: actor.role === 'admin' ? 'admin' : 'client' };
  return {
    mspId: actor.org,
    ou: 'client',
    attrs: { 'provena.role': actor.role },
    id: `x509::CN=${actor.person},OU=client::CN=ca.${actor.org}`,
  };
}

function translate(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/invalid: (MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT)$/.test(message)) {
    return new GatewayError(GatewayErrorCode.CommitFailed, message, undefined, { cause: err });
  }
  return fromChaincodeMessage(message, err);
}
