import type { Network } from '@hyperledger/fabric-gateway';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

/** One transaction of a block as a peer committed it: its validation code and the keys it wrote. */
export interface CommittedWrites {
  readonly txId: string;
  /** Fabric's validation code (`VALID`, `MVCC_READ_CONFLICT`, ...): only a valid transaction's writes apply. */
  readonly validationCode: string;
  /** Keys written in the chaincode's namespace (Fabric's own `_lifecycle`-style namespaces left out). */
  readonly writes: string[];
}

const VALIDATION = new Map(
  Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]),
);

/** Fabric's name of a validation code (`VALID`, `MVCC_READ_CONFLICT`, ...). */
export const validationCodeName = (code: number): string => VALIDATION.get(code) ?? `CODE_${code}`;

/** The number of blocks `network`'s peer holds for `channel` (qscc `GetChainInfo`). */
export async function chainHeight(network: Network, channel: string): Promise<bigint> {
  const info = common.BlockchainInfo.deserializeBinary(
    await network.getContract('qscc').evaluate('GetChainInfo', { arguments: [channel] }),
  );
  return BigInt(info.getHeight());
}

/**
 * The endorser transactions of block `number` as `network`'s peer committed them (qscc `GetBlockByNumber`), with
 * each one's validation code from the block's metadata and the keys its read-write set wrote. Config
 * transactions (block 0, channel updates) are left out: they write no chaincode state.
 */
export async function committedWrites(
  network: Network,
  channel: string,
  number: bigint,
): Promise<CommittedWrites[]> {
  const block = common.Block.deserializeBinary(
    await network
      .getContract('qscc')
      .evaluate('GetBlockByNumber', { arguments: [channel, number.toString()] }),
  );
  const filter =
    block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ??
    new Uint8Array();
  const transactions: CommittedWrites[] = [];
  block
    .getData()
    ?.getDataList_asU8()
    .forEach((bytes, index) => {
      const payload = common.Payload.deserializeBinary(
        common.Envelope.deserializeBinary(bytes).getPayload_asU8(),
      );
      const channelHeader = common.ChannelHeader.deserializeBinary(
        payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
      );
      if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
      const code = filter[index];
      transactions.push({
        txId: channelHeader.getTxId(),
        validationCode: code === undefined ? 'UNKNOWN' : validationCodeName(code),
        writes: writesOf(peer.Transaction.deserializeBinary(payload.getData_asU8())),
      });
    });
  return transactions;
}

/** The endorsed actions of a transaction (one per chaincode invocation). */
function endorsedActions(transaction: peer.Transaction): peer.ChaincodeEndorsedAction[] {
  return transaction
    .getActionsList()
    .map((action) => peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction())
    .filter((endorsed): endorsed is peer.ChaincodeEndorsedAction => endorsed !== undefined);
}

/** The MSP ids of the peers that endorsed a transaction, sorted. */
export function endorsersOf(transaction: peer.Transaction): string[] {
  return endorsedActions(transaction)
    .flatMap((endorsed) => endorsed.getEndorsementsList())
    .map((e) => msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8()).getMspid())
    .sort();
}

/** Keys a transaction wrote in chaincode namespaces (Fabric's own `_lifecycle`-style namespaces left out). */
export function writesOf(transaction: peer.Transaction): string[] {
  const writes: string[] = [];
  for (const endorsed of endorsedActions(transaction)) {
    const response = peer.ProposalResponsePayload.deserializeBinary(
      endorsed.getProposalResponsePayload_asU8(),
    );
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
    const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
    for (const ns of rwset.getNsRwsetList()) {
      if (ns.getNamespace().startsWith('_')) continue;
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      writes.push(...kv.getWritesList().map((w) => w.getKey()));
    }
  }
  return writes;
}
