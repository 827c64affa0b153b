import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { translateFabricError } from './fabric-errors';
import { newNodeCryptoSigner } from './fabric-signer';
import type {
  Committed,
  EventStart,
  LedgerActor,
  LedgerEventRecord,
  LedgerEventStream,
  LedgerPort,
  TransactionInfo,
} from './ledger.port';

/** One Fabric identity the gateway may act as: an enrolled certificate and its private key. */
export interface FabricIdentityConfig {
  readonly mspId: string;
  /** The role its certificate's NodeOU gives it on the chaincode (auditors: any identity of AuditorMSP). */
  readonly role: LedgerActor['role'];
  readonly certPath: string;
  readonly keyPath: string;
}

export interface FabricLedgerOptions {
  /** The gateway peer, `host:port`. */
  readonly peerEndpoint: string;
  /** PEM of the CA that signed the peer's TLS certificate. */
  readonly tlsCaCertPath: string;
  /** The name in the peer's TLS certificate, when it differs from the endpoint's host. */
  readonly peerHostAlias?: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly identities: readonly FabricIdentityConfig[];
  readonly deadlines: {
    readonly evaluateMs: number;
    readonly endorseMs: number;
    readonly submitMs: number;
    readonly commitStatusMs: number;
  };
  /** New proposals after an MVCC or phantom-read conflict, before COMMIT_FAILED is reported. */
  readonly conflictRetries: number;
  /**
   * Transactions between endorsement and commit status at once. Each holds one of the peer's gateway slots
   * (`peer.limits.concurrency.gatewayService`, 500 by default) while it waits for its commit; further ones queue
   * here instead of being refused by the peer.
   */
  readonly maxConcurrentSubmits: number;
}

const VALIDATION_CODE_NAMES = new Map<number, string>(
  Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]),
);
const validationCodeName = (code: number): string => VALIDATION_CODE_NAMES.get(code) ?? `CODE_${code}`;

/**
 * The ledger port on a Fabric peer's gateway service (fabric-gateway over gRPC). One gRPC connection, one
 * fabric-gateway `Gateway` per identity. Transactions are signed with node:crypto (see {@link newNodeCryptoSigner}).
 *
 * Commit tracking uses the commit-status call, which holds one of the peer's gateway slots (500 by default) until
 * the commit. Ingest batches readings, so a few transactions are in flight at a time (the ingest's concurrency
 * setting), far below that limit; block events would be needed only for thousands of concurrent transactions.
 */
export class FabricLedgerAdapter implements LedgerPort {
  readonly #options: FabricLedgerOptions;
  readonly #client: grpc.Client;
  readonly #networks = new Map<string, Network>();
  readonly #gateways: Gateway[] = [];
  readonly #submitSlots: Semaphore;

  constructor(options: FabricLedgerOptions) {
    this.#options = options;
    this.#submitSlots = new Semaphore(options.maxConcurrentSubmits);
    const credentials = grpc.credentials.createSsl(readFileSync(options.tlsCaCertPath));
    this.#client = new grpc.Client(options.peerEndpoint, credentials, {
      ...(options.peerHostAlias !== undefined && { 'grpc.ssl_target_name_override': options.peerHostAlias }),
      // Reconnects by itself after a peer restart; keepalive notices a dead peer without waiting for a call.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    const deadline = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });
    for (const identity of options.identities) {
      const gateway = connect({
        client: this.#client,
        identity: { mspId: identity.mspId, credentials: readFileSync(identity.certPath) },
        signer: newNodeCryptoSigner(createPrivateKey(readFileSync(identity.keyPath))),
        hash: hash.none,
        evaluateOptions: deadline(options.deadlines.evaluateMs),
        endorseOptions: deadline(options.deadlines.endorseMs),
        submitOptions: deadline(options.deadlines.submitMs),
        commitStatusOptions: deadline(options.deadlines.commitStatusMs),
      });
      this.#gateways.push(gateway);
      this.#networks.set(actorKey(identity.mspId, identity.role), gateway.getNetwork(options.channel));
    }
  }

  async submit<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<Committed<T>> {
    const network = this.#network(actor);
    return this.#submitSlots.run(() => this.#submit<T>(network, fn, args));
  }

  async #submit<T>(network: Network, fn: string, args: readonly string[]): Promise<Committed<T>> {
    const [contractName, name] = splitName(fn);
    const contract = network.getContract(this.#options.chaincode, contractName);
    for (let attempt = 0; ; attempt++) {
      try {
        const submitted = await contract.submitAsync(name, { arguments: [...args] });
        const result = submitted.getResult();
        const status = await submitted.getStatus();
        if (!status.successful) {
          const code = validationCodeName(status.code);
          const conflict = code === 'MVCC_READ_CONFLICT' || code === 'PHANTOM_READ_CONFLICT';
          if (conflict && attempt < this.#options.conflictRetries) continue;
          throw new GatewayError(
            GatewayErrorCode.CommitFailed,
            `transaction ${status.transactionId} was not committed: ${code}`,
            { transactionId: status.transactionId, validationCode: code },
          );
        }
        return {
          result: parseResult<T>(result),
          txId: status.transactionId,
          blockNumber: status.blockNumber,
        };
      } catch (err) {
        throw translateFabricError(err, validationCodeName);
      }
    }
  }

  async evaluate<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<T> {
    const [contractName, name] = splitName(fn);
    const contract = this.#network(actor).getContract(this.#options.chaincode, contractName);
    try {
      return parseResult<T>(await contract.evaluate(name, { arguments: [...args] }));
    } catch (err) {
      throw translateFabricError(err, validationCodeName);
    }
  }

  async transactionInfo(txId: string): Promise<TransactionInfo> {
    const qscc = this.#anyNetwork().getContract('qscc');
    try {
      const [processed, block] = await Promise.all([
        qscc.evaluate('GetTransactionByID', { arguments: [this.#options.channel, txId] }),
        qscc.evaluate('GetBlockByTxID', { arguments: [this.#options.channel, txId] }),
      ]);
      const code = peer.ProcessedTransaction.deserializeBinary(processed).getValidationcode();
      const number = common.Block.deserializeBinary(block).getHeader()?.getNumber() ?? 0;
      return { txId, blockNumber: BigInt(number), validationCode: validationCodeName(code) };
    } catch (err) {
      const translated = translateFabricError(err, validationCodeName);
      // qscc answers an unknown id with a plain error naming it; anything unreachable stays LEDGER_UNAVAILABLE.
      if (
        translated.code === GatewayErrorCode.Internal &&
        /not found|no such transaction/i.test(translated.message)
      ) {
        throw new GatewayError(GatewayErrorCode.NotFound, `no block holds transaction ${txId}`, undefined, {
          cause: err,
        });
      }
      throw translated;
    }
  }

  async openEvents(start: EventStart): Promise<LedgerEventStream> {
    try {
      // The checkpoint wins when it holds a position; on a first run, every event from the channel's start.
      const events = await this.#anyNetwork().getChaincodeEvents(this.#options.chaincode, {
        checkpoint: start,
        startBlock: 0n,
      });
      return {
        close: () => events.close(),
        async *[Symbol.asyncIterator](): AsyncIterator<LedgerEventRecord> {
          for await (const event of events) {
            yield {
              name: event.eventName,
              payload: event.payload.length === 0 ? undefined : JSON.parse(utf8.decode(event.payload)),
              txId: event.transactionId,
              blockNumber: event.blockNumber,
            };
          }
        },
      };
    } catch (err) {
      throw translateFabricError(err, validationCodeName);
    }
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.#anyNetwork()
        .getContract('qscc')
        .evaluate('GetChainInfo', {
          arguments: [this.#options.channel],
        });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const gateway of this.#gateways) gateway.close();
    this.#client.close();
  }

  #network(actor: LedgerActor): Network {
    const network = this.#networks.get(actorKey(actor.org, actor.role));
    if (!network) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `this gateway holds no Fabric identity for ${actor.role} of ${actor.org}`,
      );
    }
    return network;
  }

  #anyNetwork(): Network {
    const first = this.#networks.values().next();
    if (first.done) throw new GatewayError(GatewayErrorCode.Internal, 'no Fabric identity configured');
    return first.value;
  }
}

/** At most `limit` tasks at once; the rest wait in arrival order. */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('a semaphore needs a limit of at least 1');
    this.#free = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

function actorKey(mspId: string, role: string): string {
  return `${mspId}/${role}`;
}

function splitName(fn: string): [string, string] {
  const [contract, name] = fn.split(':');
  if (!contract || !name) throw new Error(`transaction names are contract:Transaction, got ${fn}`);
  return [contract, name];
}

const utf8 = new TextDecoder();

function parseResult<T>(bytes: Uint8Array): T {
  return (bytes.length === 0 ? undefined : JSON.parse(utf8.decode(bytes))) as T;
}
