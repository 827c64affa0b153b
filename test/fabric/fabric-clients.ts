import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  GatewayError,
  signers,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { endorsersOf, validationCodeName, writesOf } from '../support/fabric-blocks';
import type { ConnectionSettings } from '../support/fabric-network.harness';

/** A client of the network as one identity, through its own organisation's peer (fabric-gateway over gRPC). */
export interface FabricClient {
  readonly mspId: string;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: (name: string) => Contract;
  close(): void;
}

const utf8 = new TextDecoder();

/**
 * Connects as the identity of `mspId` with `role`, to that organisation's peer as the connection file names it,
 * or to `viaOrg`'s peer (any channel member may send proposals to any organisation's peer).
 */
export function connectAs(
  settings: ConnectionSettings,
  mspId: string,
  role: 'admin' | 'operator' | 'auditor',
  viaOrg: string = mspId,
): FabricClient {
  const identity = settings.identities.find((i) => i.mspId === mspId && i.role === role);
  if (!identity || !settings.organisations[viaOrg])
    throw new Error(`the connection file has no ${role} of ${mspId}`);
  return connectWith(settings, identity, viaOrg);
}

/** Connects as any identity (a person Fabric CA enrolled, for one) to `viaOrg`'s peer. */
export function connectWith(
  settings: ConnectionSettings,
  identity: { mspId: string; certPath: string; keyPath: string },
  viaOrg: string = identity.mspId,
): FabricClient {
  const { mspId } = identity;
  const org = settings.organisations[viaOrg];
  if (!org) throw new Error(`the connection file has no peer of ${viaOrg}`);
  const client = new grpc.Client(
    org.peerEndpoint,
    grpc.credentials.createSsl(readFileSync(org.peerTlsCaPath)),
  );
  const gateway = connect({
    client,
    identity: { mspId, credentials: readFileSync(identity.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.keyPath))),
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const network = gateway.getNetwork(settings.channel);
  return {
    mspId,
    gateway,
    network,
    contract: (name) => network.getContract(settings.chaincode, name),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/** A committed transaction: the chaincode's JSON result, its id and block, and its validation code. */
export interface Submitted<T> {
  readonly result: T;
  readonly txId: string;
  readonly blockNumber: bigint;
}

/** Submits `contract:Transaction` and waits for the commit; fails unless the commit is VALID. */
export async function submit<T>(client: FabricClient, fn: string, ...args: string[]): Promise<Submitted<T>> {
  const [contract, name] = fn.split(':') as [string, string];
  const submitted = await client.contract(contract).submitAsync(name, { arguments: args });
  const status = await submitted.getStatus();
  if (!status.successful) throw new Error(`${fn} committed as invalid: code ${status.code}`);
  const bytes = submitted.getResult();
  return {
    result: (bytes.length === 0 ? undefined : JSON.parse(utf8.decode(bytes))) as T,
    txId: status.transactionId,
    blockNumber: status.blockNumber,
  };
}

export async function evaluate<T>(client: FabricClient, fn: string, ...args: string[]): Promise<T> {
  const [contract, name] = fn.split(':') as [string, string];
  const bytes = await client.contract(contract).evaluate(name, { arguments: args });
  return JSON.parse(utf8.decode(bytes)) as T;
}

/**
 * What the peers answered when a transaction was refused: the gateway error's message and every endorser's
 * chaincode message. Fails the test when the attempt succeeds.
 */
export async function refusal(attempt: Promise<unknown>): Promise<string> {
  const outcome = await attempt.then(
    () => new Error('the network accepted the transaction'),
    (err: unknown) => err,
  );
  if (!(outcome instanceof GatewayError)) throw outcome;
  return [outcome.message, ...outcome.details.map((d) => `${d.mspId}: ${d.message}`)].join('\n');
}

/** A transaction as the auditor's own peer's blocks hold it: validation code, endorsers and the keys it wrote. */
export interface BlockTransaction {
  readonly validationCode: string;
  readonly endorserMspIds: string[];
  /** Keys written in the chaincode's namespace (Fabric's internal lifecycle namespaces left out). */
  readonly writes: string[];
}

/** Reads a transaction back from a peer's ledger (qscc) and decodes what Fabric recorded for it. */
export async function blockTransaction(
  client: FabricClient,
  channel: string,
  txId: string,
): Promise<BlockTransaction> {
  const qscc = client.network.getContract('qscc');
  const processed = peer.ProcessedTransaction.deserializeBinary(
    await qscc.evaluate('GetTransactionByID', { arguments: [channel, txId] }),
  );
  const envelope = processed.getTransactionenvelope();
  if (!envelope) throw new Error(`transaction ${txId} has no envelope`);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  return {
    validationCode: validationCodeName(processed.getValidationcode()),
    endorserMspIds: endorsersOf(transaction),
    writes: writesOf(transaction),
  };
}
