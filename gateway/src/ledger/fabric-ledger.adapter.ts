import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import {
  connect,
  hash,
  type Gateway,
  type Network,
  type Status,
  type SubmittedTransaction,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import { decodeBlock } from '../verify/fabric-block';
import { translateFabricError } from './fabric-errors';
import { newNodeCryptoSigner } from './fabric-signer';
import { personRefusal, readPersonsFile, type PersonIdentity } from './person-identities';
import { ResendTimeout } from './resend-timeout';
import type {
  Committed,
  EventStart,
  LedgerActor,
  LedgerEventRecord,
  LedgerEventStream,
  LedgerPort,
  SubmitOptions,
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

/** How to reach one peer's gateway service. */
export interface FabricPeerOptions {
  /** `host:port`. */
  readonly endpoint: string;
  /** PEM of the CA that signed the peer's TLS certificate (its organisation's TLS CA, not its signing CA). */
  readonly tlsCaCertPath: string;
  /** The name in the peer's TLS certificate, when it differs from the endpoint's host. */
  readonly hostAlias?: string;
}

export interface FabricLedgerOptions {
  /**
   * Each organisation's own peer, by MSP id; every identity's organisation must be listed. An identity talks only
   * to its organisation's peer: an auditor's reads come from the auditor's own copy of the ledger, so what it sees
   * does not rest on trusting another organisation's peer. Organisations sharing one peer (the single-peer form)
   * list the same settings and share one connection.
   */
  readonly peers: Readonly<Record<string, FabricPeerOptions>>;
  /**
   * The organisation the gateway works for (the ingest organisation). Its operator identity, on its peer, makes
   * the calls no actor asks for: the chaincode-event stream and the reachability check.
   */
  readonly homeOrg: string;
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
   * The longest a transaction the orderers accepted may go without a commit status before the same signed
   * transaction is sent to them again. The wait itself follows the commit times measured (see
   * {@link ResendTimeout}: at least {@link RESEND_FLOOR_MS}, this until the first commit time is known), doubles
   * after each resend up to this, and is a second while no orderer takes the resend, until
   * `deadlines.commitStatusMs`. A needless resend costs one DUPLICATE_TXID transaction in a later block.
   */
  readonly resendAfterMs: number;
  /**
   * Transactions between endorsement and commit status at once. Each holds one of the peer's gateway slots
   * (`peer.limits.concurrency.gatewayService`, 500 by default) while it waits for its commit; further ones queue
   * here instead of being refused by the peer.
   */
  readonly maxConcurrentSubmits: number;
  /**
   * How often gRPC pings an idle connection to notice a dead peer. Peers answer pings more frequent than their
   * `peer.keepalive.minInterval` (60 s by default) with GOAWAY `too_many_pings`, which ends every open call on
   * the connection, event streams included: keep this at or above that setting.
   */
  readonly keepaliveMs: number;
  /**
   * The persons file (`persons.json` beside the network's connection file): staff enrolled with their
   * organisation's Fabric CA. An actor naming a person is signed for with that person's key, loaded on first use.
   */
  readonly personsFile?: string;
}

/** How soon a resend the orderers refused (all unreachable) is tried again. */
const RESEND_REFUSED_MS = 1_000;

/**
 * The shortest wait before a resend, whatever the commit times: above the commit time at 500 readings/s (p99
 * 1.8 s from publish to commit, of which ordering and commit are a part), so that it is a lost transaction that
 * goes again, not a late one.
 */
const RESEND_FLOOR_MS = 2_000;

/** How far back {@link FabricLedgerAdapter.lastEventPosition} looks for a block with one of the chaincode's events. */
const EVENT_SCAN_BLOCKS = 200n;

const VALIDATION_CODE_NAMES = new Map<number, string>(
  Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]),
);
const validationCodeName = (code: number): string => VALIDATION_CODE_NAMES.get(code) ?? `CODE_${code}`;

/**
 * The ledger port on Fabric peers' gateway services (fabric-gateway over gRPC). One fabric-gateway `Gateway` per
 * identity, each on its own organisation's peer; one gRPC connection per distinct peer, shared by the identities
 * that use it. Transactions are signed with node:crypto (see {@link newNodeCryptoSigner}).
 *
 * Commit tracking uses the commit-status call, which holds one of the peer's gateway slots (500 by default) until
 * the commit. Ingest batches readings, so a few transactions are in flight at a time (the ingest's concurrency
 * setting), far below that limit; block events would be needed only for thousands of concurrent transactions.
 */
export class FabricLedgerAdapter implements LedgerPort {
  readonly #options: FabricLedgerOptions;
  readonly #clients = new Map<string, grpc.Client>();
  readonly #networks = new Map<string, Network>();
  readonly #gateways: Gateway[] = [];
  readonly #submitSlots: Semaphore;
  /** The home organisation's operator (or, lacking one, another of its identities) on its own peer. */
  readonly #home: Network;
  /** Which peer connection each identity's network uses (a key of #clients). */
  readonly #peerOf = new Map<Network, string>();
  #personsCache: { version: string; persons: readonly PersonIdentity[] } | undefined;
  /** The least block height each peer is known to have reached. */
  readonly #heights = new Map<string, bigint>();
  /** The height every peer must reach before this gateway uses it: one past the newest block it committed into. */
  #required = 0n;
  #resent = 0;
  readonly #resendTimeout: ResendTimeout;
  readonly #logger = new Logger('FabricLedger');

  /** @throws Error when an identity's organisation has no peer, or the home organisation no identity. */
  constructor(options: FabricLedgerOptions) {
    this.#options = options;
    this.#submitSlots = new Semaphore(options.maxConcurrentSubmits);
    this.#resendTimeout = new ResendTimeout(RESEND_FLOOR_MS, options.resendAfterMs);
    try {
      for (const identity of options.identities) {
        this.#networks.set(actorKey(identity.mspId, identity.role), this.#connect(identity));
      }
      const home =
        this.#networks.get(actorKey(options.homeOrg, 'operator')) ??
        [...this.#networks].find(([key]) => key.startsWith(`${options.homeOrg}/`))?.[1];
      if (!home)
        throw new Error(`no Fabric identity of the home organisation ${options.homeOrg} is configured`);
      this.#home = home;
    } catch (err) {
      this.#closeAll();
      throw err;
    }
  }

  /** A fabric-gateway Gateway signing as `identity`, on its organisation's peer. */
  #connect(identity: Pick<FabricIdentityConfig, 'mspId' | 'certPath' | 'keyPath'>): Network {
    const options = this.#options;
    const peerOptions = options.peers[identity.mspId];
    if (!peerOptions) throw new Error(`no peer of ${identity.mspId} is configured for its identities`);
    const deadline = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });
    const gateway = connect({
      client: this.#client(peerOptions),
      identity: { mspId: identity.mspId, credentials: readFileSync(identity.certPath) },
      signer: newNodeCryptoSigner(createPrivateKey(readFileSync(identity.keyPath))),
      hash: hash.none,
      evaluateOptions: deadline(options.deadlines.evaluateMs),
      endorseOptions: deadline(options.deadlines.endorseMs),
      submitOptions: deadline(options.deadlines.submitMs),
      commitStatusOptions: deadline(options.deadlines.commitStatusMs),
    });
    this.#gateways.push(gateway);
    const network = gateway.getNetwork(options.channel);
    this.#peerOf.set(network, clientKey(peerOptions));
    return network;
  }

  /** One connection per distinct peer. It reconnects by itself after a peer restart. */
  #client(peerOptions: FabricPeerOptions): grpc.Client {
    const key = clientKey(peerOptions);
    let client = this.#clients.get(key);
    if (!client) {
      client = new grpc.Client(
        peerOptions.endpoint,
        grpc.credentials.createSsl(readFileSync(peerOptions.tlsCaCertPath)),
        {
          ...(peerOptions.hostAlias !== undefined && {
            'grpc.ssl_target_name_override': peerOptions.hostAlias,
          }),
          // Notices a dead peer without waiting for a call; never more often than the peer permits (see options).
          'grpc.keepalive_time_ms': this.#options.keepaliveMs,
          'grpc.keepalive_timeout_ms': 10_000,
        },
      );
      this.#clients.set(key, client);
    }
    return client;
  }

  async submit<T>(
    actor: LedgerActor,
    fn: string,
    args: readonly string[],
    options: SubmitOptions = {},
  ): Promise<Committed<T>> {
    const network = this.#network(actor);
    return this.#submitSlots.run(async () => {
      await this.#caughtUp(network);
      const committed = await this.#submit<T>(network, fn, args, options);
      this.#committedAt(network, committed.blockNumber);
      return committed;
    });
  }

  /**
   * Read-your-writes across organisations' peers. A commit status comes from the submitter's own peer; another
   * organisation's peer may not have that block yet. Then the next request through it would see the ledger as it
   * was: the carrier's acceptance refused for breaches the producer had just disposed of (seen on the native
   * network), an auditor's read missing a reading the gateway has acknowledged. So before using a peer, wait until
   * it holds every block this gateway committed into (usually there already; otherwise milliseconds). A peer still
   * behind after the evaluate deadline is used as it is.
   */
  async #caughtUp(network: Network): Promise<void> {
    const peerKey = this.#peerOf.get(network);
    const required = this.#required;
    if (peerKey === undefined || (this.#heights.get(peerKey) ?? 0n) >= required) return;
    const qscc = network.getContract('qscc');
    const deadline = Date.now() + this.#options.deadlines.evaluateMs;
    do {
      let height: bigint;
      try {
        const info = await qscc.evaluate('GetChainInfo', { arguments: [this.#options.channel] });
        height = BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
      } catch {
        return; // unreachable: the request itself will say so
      }
      this.#noteHeight(peerKey, height);
      if (height >= required) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (Date.now() < deadline);
  }

  #committedAt(network: Network, blockNumber: bigint): void {
    const peerKey = this.#peerOf.get(network);
    if (peerKey !== undefined) this.#noteHeight(peerKey, blockNumber + 1n);
    if (blockNumber + 1n > this.#required) this.#required = blockNumber + 1n;
  }

  #noteHeight(peerKey: string, height: bigint): void {
    if (height > (this.#heights.get(peerKey) ?? 0n)) this.#heights.set(peerKey, height);
  }

  async #submit<T>(
    network: Network,
    fn: string,
    args: readonly string[],
    options: SubmitOptions,
  ): Promise<Committed<T>> {
    const [contractName, name] = splitName(fn);
    const contract = network.getContract(this.#options.chaincode, contractName);
    for (let attempt = 0; ; attempt++) {
      try {
        const transaction = await contract
          .newProposal(name, {
            arguments: [...args],
            ...(options.transient && { transientData: { ...options.transient } }),
          })
          .endorse();
        const submitted = await transaction.submit();
        const result = submitted.getResult();
        const status = await this.#commitStatus(transaction, submitted);
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

  /**
   * The transaction's commit status, sending the same signed transaction to the orderers again while it goes
   * without one (waits from {@link ResendTimeout}). A Raft orderer keeps blocks, not the transactions waiting for
   * one: a leader killed, or every orderer at once, loses those it had accepted (seen on the native network: 4
   * transactions, each then waiting out the whole commit-status deadline, 60 s). The same envelope is safe to send
   * twice: it carries the same transaction id, so where both copies reach blocks the peers invalidate the later
   * one (DUPLICATE_TXID) and the commit status reports the first (gateway/test/transaction-resend.fabric.test.ts).
   */
  async #commitStatus(transaction: Transaction, submitted: SubmittedTransaction): Promise<Status> {
    const txId = transaction.getTransactionId();
    const acceptedAt = Date.now();
    let wait = this.#resendTimeout.firstMs();
    let sentAgain = false;
    let refused = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const resend = async (): Promise<void> => {
      sentAgain = true;
      let next: number;
      try {
        await transaction.submit();
        this.#resent++;
        this.#logger.warn(
          `transaction ${txId} had no commit status ${Date.now() - acceptedAt} ms after the orderers accepted it: sent again` +
            (refused > 0 ? ` (after ${refused} refused tries)` : ''),
        );
        refused = 0;
        wait = this.#resendTimeout.nextMs(wait);
        next = wait;
      } catch (err) {
        // No orderer took it (all down, or the peer itself): try again soon, to be in one of the first blocks once
        // they are back. Logged once per outage, not once a second.
        if (refused++ === 0) {
          this.#logger.warn(
            `transaction ${txId} could not be sent again, trying each second: ${translateFabricError(err, validationCodeName).message}`,
          );
        }
        next = Math.min(RESEND_REFUSED_MS, wait);
      }
      if (!done) timer = setTimeout(() => void resend(), next);
    };
    timer = setTimeout(() => void resend(), wait);
    try {
      const status = await submitted.getStatus();
      if (!sentAgain) this.#resendTimeout.observe(Date.now() - acceptedAt);
      return status;
    } finally {
      done = true;
      clearTimeout(timer);
    }
  }

  /** Transactions sent to the orderers again for want of a commit status, since start (see {@link #commitStatus}). */
  transactionsResent(): number {
    return this.#resent;
  }

  async evaluate<T>(actor: LedgerActor, fn: string, args: readonly string[]): Promise<T> {
    const [contractName, name] = splitName(fn);
    const network = this.#network(actor);
    await this.#caughtUp(network);
    const contract = network.getContract(this.#options.chaincode, contractName);
    try {
      return parseResult<T>(await contract.evaluate(name, { arguments: [...args] }));
    } catch (err) {
      throw translateFabricError(err, validationCodeName);
    }
  }

  /**
   * Asked as `actor`, on its organisation's peer: where a fact sits on the ledger is part of an auditor's proof,
   * so it must come from the auditor's own copy of the ledger, like the fact itself.
   */
  async transactionInfo(actor: LedgerActor, txId: string): Promise<TransactionInfo> {
    const network = this.#network(actor);
    await this.#caughtUp(network);
    const qscc = network.getContract('qscc');
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

  /**
   * From the home organisation's peer, as its operator: the stream feeds the gateway's own work (`/events`, the
   * forecasting history), and it is the peer ingest submits through, so an event and the commit status of the
   * same transaction come from the same copy of the ledger.
   */
  async openEvents(start: EventStart): Promise<LedgerEventStream> {
    try {
      // The checkpoint wins when it holds a position; on a first run, every event from the channel's start.
      const events = await this.#home.getChaincodeEvents(this.#options.chaincode, {
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

  /**
   * Whether the home organisation's peer answers: the one ingest and the event stream depend on. Another
   * organisation's peer being down shows on that organisation's own requests (LEDGER_UNAVAILABLE), not as the
   * whole gateway being unready.
   */
  async isReachable(): Promise<boolean> {
    try {
      await this.#home.getContract('qscc').evaluate('GetChainInfo', {
        arguments: [this.#options.channel],
      });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The last valid transaction of the chaincode with an event, found walking back from the chain's newest block
   * on the home organisation's peer (usually the newest block itself). Undefined when none is within
   * {@link EVENT_SCAN_BLOCKS} blocks, so a caller does not walk a long chain of event-less blocks.
   */
  async lastEventPosition(): Promise<{ blockNumber: bigint; txId: string } | null | undefined> {
    const qscc = this.#home.getContract('qscc');
    const channel = this.#options.channel;
    const info = await qscc.evaluate('GetChainInfo', { arguments: [channel] });
    const height = BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
    for (let n = height - 1n; n >= 0n && n >= height - EVENT_SCAN_BLOCKS; n--) {
      const block = decodeBlock(
        await qscc.evaluate('GetBlockByNumber', { arguments: [channel, n.toString()] }),
      );
      for (const tx of [...block.transactions].reverse()) {
        if (block.validationCodes[tx.index] !== peer.TxValidationCode.VALID) continue;
        if (tx.actions.some((a) => a.event?.chaincode === this.#options.chaincode)) {
          return { blockNumber: n, txId: tx.txId };
        }
      }
      if (n === 0n) return null;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.#closeAll();
  }

  #closeAll(): void {
    for (const gateway of this.#gateways) gateway.close();
    for (const client of this.#clients.values()) client.close();
  }

  #network(actor: LedgerActor): Network {
    if (actor.person !== undefined) return this.#personNetwork(actor, actor.person);
    const network = this.#networks.get(actorKey(actor.org, actor.role));
    if (!network) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `this gateway holds no Fabric identity for ${actor.role} of ${actor.org}`,
      );
    }
    return network;
  }

  /**
   * The person's own Gateway, connected on first use. The persons file is read then, so a person enrolled after
   * the gateway started needs no restart; one revoked since is refused here as well as by the peers.
   */
  #personNetwork(actor: LedgerActor, person: string): Network {
    const file = this.#options.personsFile;
    if (file === undefined) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `the API key acts as person ${person}, but this gateway has no persons file (PROVENA_FABRIC_PERSONS)`,
      );
    }
    const persons = this.#persons(file);
    const refusal = personRefusal(persons, actor.org, person, actor.role);
    if (refusal !== undefined) throw new GatewayError(GatewayErrorCode.Forbidden, refusal);
    const key = `${actor.org}/person:${person}`;
    let network = this.#networks.get(key);
    if (!network) {
      network = this.#connect(persons.find((p) => p.mspId === actor.org && p.person === person)!);
      this.#networks.set(key, network);
    }
    return network;
  }

  /** The persons file, re-read when it changed (a stat per call, a parse per change). */
  #persons(file: string): readonly PersonIdentity[] {
    let version: string;
    try {
      const { mtimeMs, size, ino } = statSync(file);
      version = `${mtimeMs}/${size}/${ino}`;
    } catch (err) {
      throw new GatewayError(
        GatewayErrorCode.Forbidden,
        `no persons file at ${file}: enrol persons with network/network.sh person enroll`,
        undefined,
        { cause: err },
      );
    }
    if (this.#personsCache?.version !== version) {
      this.#personsCache = { version, persons: readPersonsFile(file) };
    }
    return this.#personsCache.persons;
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

function clientKey(peerOptions: FabricPeerOptions): string {
  return JSON.stringify([peerOptions.endpoint, peerOptions.tlsCaCertPath, peerOptions.hostAlias ?? null]);
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
