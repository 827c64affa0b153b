import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common, gateway, ledger, msp, peer } from '@hyperledger/fabric-protos';
import type { FabricClient } from '../../test/fabric/fabric-clients';
import type { TestNetwork } from '../../test/support/fabric-network.harness';
import { newNodeCryptoSigner } from '../src/ledger/fabric-signer';

// Transactions no honest chaincode would produce, committed on the real network: what the verifier must catch
// when both endorsing organisations collude (or run altered chaincode) — the case the endorsement policy alone
// cannot rule out. A proposal is endorsed for real, then its write set is edited and the endorsements are signed
// again with the member peers' own keys from the test network's crypto folder (keys a colluding organisation
// holds), and the client signs the new envelope. The peers validate it like any transaction: the policy holds,
// so it commits VALID.

/** A peer's signing identity, as it endorses. */
export interface PeerSigningKey {
  readonly mspId: string;
  readonly serialized: Uint8Array;
  readonly sign: (message: Uint8Array) => Promise<Uint8Array>;
}

/** The signing identity of the member organisation's peer (`producer` or `carrier`) of the test network. */
export function peerSigningKey(net: TestNetwork, org: 'producer' | 'carrier'): PeerSigningKey {
  const mspDir = join(
    net.dir,
    'crypto',
    'peerOrganizations',
    `${org}.provena.local`,
    'peers',
    `peer0.${org}.provena.local`,
    'msp',
  );
  const certFile = readdirSync(join(mspDir, 'signcerts'))[0];
  if (!certFile) throw new Error(`no signing certificate in ${mspDir}`);
  const mspId = org === 'producer' ? 'ProducerMSP' : 'CarrierMSP';
  return signingKey(
    mspId,
    readFileSync(join(mspDir, 'signcerts', certFile)),
    readFileSync(join(mspDir, 'keystore', 'priv_sk')),
  );
}

/** A signing identity from a certificate and key, e.g. a throwaway one claiming a member organisation. */
export function signingKey(mspId: string, certPem: Uint8Array, keyPem: Uint8Array): PeerSigningKey {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(mspId);
  identity.setIdBytes(certPem);
  return {
    mspId,
    serialized: identity.serializeBinary(),
    sign: newNodeCryptoSigner(createPrivateKey(Buffer.from(keyPem))),
  };
}

export interface Forgery {
  /** Edits the chaincode namespace's read-write set of the endorsed transaction. */
  readonly edit?: (rwset: ledger.rwset.kvrwset.KVRWSet) => void;
  /** Signs the endorsements again with these keys (by MSP id), over the edited proposal response. */
  readonly resignWith?: readonly PeerSigningKey[];
  /** Endorsements added after the genuine ones. */
  readonly extraEndorsers?: readonly PeerSigningKey[];
  /** Runs between endorsement and submission: what commits meanwhile, the endorsed transaction does not see. */
  readonly beforeSubmit?: () => Promise<void>;
}

/**
 * Endorses `contract:Transaction` through `client`'s peer as usual, applies `forgery`, submits the result and
 * waits for its commit.
 * @returns the transaction id and the validation code the peers gave it.
 */
export async function submitForged(
  client: FabricClient,
  fn: string,
  args: readonly string[],
  forgery: Forgery,
): Promise<{ txId: string; blockNumber: bigint; code: number }> {
  const [contractName, name] = fn.split(':') as [string, string];
  const endorsed = await client
    .contract(contractName)
    .newProposal(name, { arguments: [...args] })
    .endorse();
  await forgery.beforeSubmit?.();
  const prepared = gateway.PreparedTransaction.deserializeBinary(endorsed.getBytes());
  const envelope = prepared.getEnvelope();
  if (!envelope) throw new Error('the endorsed transaction has no envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = transaction.getActionsList()[0];
  if (!action) throw new Error('the endorsed transaction has no action');
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsedAction = actionPayload.getAction();
  if (!endorsedAction) throw new Error('the endorsed transaction has no endorsed action');

  const response = peer.ProposalResponsePayload.deserializeBinary(
    endorsedAction.getProposalResponsePayload_asU8(),
  );
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
  if (forgery.edit) {
    for (const ns of rwset.getNsRwsetList()) {
      if (ns.getNamespace() !== 'provena') continue;
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      forgery.edit(kv);
      ns.setRwset(kv.serializeBinary());
    }
  }
  chaincodeAction.setResults(rwset.serializeBinary());
  response.setExtension$(chaincodeAction.serializeBinary());
  const responseBytes = response.serializeBinary();
  endorsedAction.setProposalResponsePayload(responseBytes);

  const sign = async (key: PeerSigningKey, endorser: Uint8Array): Promise<Uint8Array> =>
    key.sign(Buffer.concat([responseBytes, endorser]));
  for (const endorsement of endorsedAction.getEndorsementsList()) {
    const endorser = endorsement.getEndorser_asU8();
    const mspId = msp.SerializedIdentity.deserializeBinary(endorser).getMspid();
    const key = forgery.resignWith?.find((k) => k.mspId === mspId);
    if (key) endorsement.setSignature(await sign(key, endorser));
  }
  for (const extra of forgery.extraEndorsers ?? []) {
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(extra.serialized);
    endorsement.setSignature(await sign(extra, extra.serialized));
    endorsedAction.addEndorsements(endorsement);
  }

  actionPayload.setAction(endorsedAction);
  action.setPayload(actionPayload.serializeBinary());
  payload.setData(transaction.serializeBinary());
  envelope.setPayload(payload.serializeBinary());
  // Left unsigned: the client signs the new payload on submit, as it signs any transaction.
  envelope.setSignature(new Uint8Array());
  prepared.setEnvelope(envelope);

  const submitted = await client.gateway.newTransaction(prepared.serializeBinary()).submit();
  const status = await submitted.getStatus();
  return { txId: status.transactionId, blockNumber: status.blockNumber, code: status.code };
}
