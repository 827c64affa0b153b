import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { GatewayErrorCode } from '../errors/gateway-error';
import { translateFabricError } from '../ledger/fabric-errors';
import { newNodeCryptoSigner } from '../ledger/fabric-signer';
import type { AuditorPeer } from './auditor-peer.port';
import { validationCodeName } from './fabric-block';
import { VerifyError, VerifyErrorCode } from './verify-error';

/** How to reach the auditor's peer, and as whom. */
export interface FabricAuditorPeerOptions {
  readonly mspId: string;
  /** `host:port` of the peer's gateway service. */
  readonly endpoint: string;
  /** PEM of the peer organisation's TLS CA. */
  readonly tlsCaCertPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly channel: string;
  readonly chaincode: string;
  /** Deadline of each call; a block of 500 readings is about 500 KB. */
  readonly evaluateMs: number;
}

/**
 * The auditor's peer through @hyperledger/fabric-gateway: qscc for blocks, the chaincode for queries, as the
 * auditor's own identity (an AuditorMSP client, which the chaincode lets read everything and write nothing).
 */
export function newFabricAuditorPeer(options: Readonly<FabricAuditorPeerOptions>): AuditorPeer {
  const client = new grpc.Client(
    options.endpoint,
    grpc.credentials.createSsl(readFileSync(options.tlsCaCertPath)),
    // Blocks of large batches exceed gRPC's default 4 MB receive limit.
    { 'grpc.max_receive_message_length': 100 * 1024 * 1024 },
  );
  let gateway: Gateway;
  try {
    gateway = connect({
      client,
      identity: { mspId: options.mspId, credentials: readFileSync(options.certPath) },
      signer: newNodeCryptoSigner(createPrivateKey(readFileSync(options.keyPath))),
      hash: hash.none,
      evaluateOptions: () => ({ deadline: Date.now() + options.evaluateMs }),
    });
  } catch (err) {
    client.close();
    throw err;
  }
  const network: Network = gateway.getNetwork(options.channel);
  const qscc = network.getContract('qscc');
  const call = async (fn: string, args: readonly string[]): Promise<Uint8Array> => {
    try {
      return await qscc.evaluate(fn, { arguments: [options.channel, ...args] });
    } catch (err) {
      throw translate(err, `qscc ${fn}(${args.join(', ')})`);
    }
  };
  return {
    mspId: options.mspId,
    async chainHeight() {
      return BigInt(common.BlockchainInfo.deserializeBinary(await call('GetChainInfo', [])).getHeight());
    },
    block: (number) => call('GetBlockByNumber', [number.toString()]),
    async locate(txId) {
      const [processed, block] = await Promise.all([
        call('GetTransactionByID', [txId]),
        call('GetBlockByTxID', [txId]),
      ]);
      return {
        blockNumber: BigInt(common.Block.deserializeBinary(block).getHeader()?.getNumber() ?? 0),
        validationCode: validationCodeName(
          peer.ProcessedTransaction.deserializeBinary(processed).getValidationcode(),
        ),
      };
    },
    async query<T>(fn: string, args: readonly string[]) {
      const [contractName, name] = fn.split(':');
      if (!contractName || !name) throw new Error(`queries are contract:Transaction, got ${fn}`);
      try {
        const bytes = await network
          .getContract(options.chaincode, contractName)
          .evaluate(name, { arguments: [...args] });
        return (bytes.length === 0 ? undefined : JSON.parse(Buffer.from(bytes).toString('utf8'))) as T;
      } catch (err) {
        throw translate(err, fn);
      }
    },
    close() {
      gateway.close();
      client.close();
    },
  };
}

function translate(err: unknown, what: string): VerifyError {
  const translated = translateFabricError(err, validationCodeName);
  const notFound =
    translated.code === GatewayErrorCode.NotFound ||
    (translated.code === GatewayErrorCode.Internal &&
      /not found|no such transaction/i.test(translated.message));
  return new VerifyError(
    notFound ? VerifyErrorCode.NotFound : VerifyErrorCode.LedgerUnavailable,
    `${what}: ${translated.message}`,
    { cause: err },
  );
}
