import { common, ledger, peer } from '@hyperledger/fabric-protos';

/** One key a transaction wrote, as its read-write set records it. */
export interface StateWrite {
  readonly namespace: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly isDelete: boolean;
}

/** One endorsement: the endorser's serialized identity and its signature over `proposalResponsePayload‖endorser`. */
export interface Endorsement {
  readonly endorser: Uint8Array;
  readonly signature: Uint8Array;
}

/** One chaincode invocation of an endorser transaction, with what its endorsers signed. */
export interface EndorsedAction {
  readonly proposalResponsePayload: Uint8Array;
  readonly endorsements: readonly Endorsement[];
  /** The chaincode the proposal invoked, from the proposal response's ChaincodeAction. */
  readonly chaincode: string;
  /** The invoked function (the proposal's first argument, e.g. `reading:RecordReadings`), for reports. */
  readonly fn: string;
  readonly writes: readonly StateWrite[];
  /** The chaincode event the action set, if any: its chaincode and name. */
  readonly event?: { readonly chaincode: string; readonly name: string };
}

/** One envelope of a block, decoded as far as the verifier needs. */
export interface BlockTransaction {
  /** Its position in the block (and in TRANSACTIONS_FILTER). */
  readonly index: number;
  readonly type: 'endorser' | 'config' | 'other';
  readonly txId: string;
  readonly timestampMs: number;
  /** The creator's serialized identity (SignatureHeader.creator) and the header's nonce. */
  readonly creator: Uint8Array;
  readonly nonce: Uint8Array;
  /** The envelope's payload and the creator's signature over it. */
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  readonly actions: readonly EndorsedAction[];
  /** For a config transaction: the channel configuration it carries. */
  readonly config?: common.Config;
  /** For a configuration transaction: the signed update it applied (ConfigEnvelope.last_update). */
  readonly lastUpdate?: common.Envelope;
  /** Set when the envelope could not be decoded: what went wrong. */
  readonly malformed?: string;
}

/** A signature in the block's SIGNATURES metadata. */
export interface BlockSignature {
  readonly signatureHeader: Uint8Array;
  /**
   * The signer's serialized identity from the signature header; empty when the header is (BFT orderers name
   * themselves by a consenter id in an identifier header instead, which this verifier does not resolve).
   */
  readonly creator: Uint8Array;
  readonly signature: Uint8Array;
}

/** A block as the verifier reads it: header fields, the envelopes' exact bytes, and the metadata it checks. */
export interface DecodedBlock {
  readonly number: bigint;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
  /** Each envelope exactly as stored: data_hash covers these bytes, not a re-encoding. */
  readonly envelopes: readonly Uint8Array[];
  readonly transactions: readonly BlockTransaction[];
  /** SIGNATURES metadata: the value the orderers signed with the header, and their signatures. */
  readonly signatureValue: Uint8Array;
  readonly signatures: readonly BlockSignature[];
  /** One validation code per envelope (TRANSACTIONS_FILTER); shorter than the envelopes when the peer wrote none. */
  readonly validationCodes: Uint8Array;
}

const VALIDATION = new Map(
  Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]),
);

/** Fabric's name of a validation code (`VALID`, `MVCC_READ_CONFLICT`, ...). */
export const validationCodeName = (code: number | undefined): string =>
  code === undefined ? 'MISSING' : (VALIDATION.get(code) ?? `CODE_${code}`);

/** The code TRANSACTIONS_FILTER holds for a valid transaction. */
export const VALID_CODE = peer.TxValidationCode.VALID as number;

/**
 * Decodes a block as qscc returns it (a marshalled common.Block). A transaction that does not decode is kept with
 * `malformed` set, so one tampered envelope is reported instead of ending the verification.
 * @throws Error when the bytes are not a block at all.
 */
export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader();
  if (!header) throw new Error('the block has no header');
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
  const signaturesEntry = metadata[common.BlockMetadataIndex.SIGNATURES];
  const signed =
    signaturesEntry && signaturesEntry.length > 0
      ? common.Metadata.deserializeBinary(signaturesEntry)
      : undefined;
  return {
    number: BigInt(header.getNumber()),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
    envelopes,
    transactions: envelopes.map((envelope, index) => decodeTransaction(envelope, index)),
    signatureValue: signed?.getValue_asU8() ?? new Uint8Array(),
    signatures: (signed?.getSignaturesList() ?? []).map((s) => ({
      signatureHeader: s.getSignatureHeader_asU8(),
      creator:
        s.getSignatureHeader_asU8().length === 0
          ? new Uint8Array()
          : common.SignatureHeader.deserializeBinary(s.getSignatureHeader_asU8()).getCreator_asU8(),
      signature: s.getSignature_asU8(),
    })),
    validationCodes: metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array(),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function decodeTransaction(bytes: Uint8Array, index: number): BlockTransaction {
  const partial: Mutable<BlockTransaction> = {
    index,
    type: 'other',
    txId: '',
    timestampMs: 0,
    creator: new Uint8Array(),
    nonce: new Uint8Array(),
    payload: new Uint8Array(),
    signature: new Uint8Array(),
    actions: [],
  };
  try {
    const envelope = common.Envelope.deserializeBinary(bytes);
    partial.payload = envelope.getPayload_asU8();
    partial.signature = envelope.getSignature_asU8();
    const payload = common.Payload.deserializeBinary(partial.payload);
    const channelHeader = common.ChannelHeader.deserializeBinary(
      payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
    );
    const signatureHeader = common.SignatureHeader.deserializeBinary(
      payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array(),
    );
    partial.txId = channelHeader.getTxId();
    const ts = channelHeader.getTimestamp();
    partial.timestampMs = ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) : 0;
    partial.creator = signatureHeader.getCreator_asU8();
    partial.nonce = signatureHeader.getNonce_asU8();
    switch (channelHeader.getType()) {
      case common.HeaderType.ENDORSER_TRANSACTION:
        partial.type = 'endorser';
        partial.actions = decodeActions(peer.Transaction.deserializeBinary(payload.getData_asU8()));
        return partial;
      case common.HeaderType.CONFIG: {
        const configEnvelope = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
        const config = configEnvelope.getConfig();
        if (!config) throw new Error('the config envelope holds no config');
        return { ...partial, type: 'config', config, lastUpdate: configEnvelope.getLastUpdate() };
      }
      default:
        return partial;
    }
  } catch (err) {
    return { ...partial, malformed: err instanceof Error ? err.message : String(err) };
  }
}

function decodeActions(transaction: peer.Transaction): EndorsedAction[] {
  return transaction.getActionsList().map((action) => {
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const endorsed = actionPayload.getAction();
    if (!endorsed) throw new Error('a transaction action holds no endorsed action');
    const prp = endorsed.getProposalResponsePayload_asU8();
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(
      peer.ProposalResponsePayload.deserializeBinary(prp).getExtension_asU8(),
    );
    const writes: StateWrite[] = [];
    const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
    for (const ns of rwset.getNsRwsetList()) {
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      for (const w of kv.getWritesList()) {
        writes.push({
          namespace: ns.getNamespace(),
          key: w.getKey(),
          value: w.getValue_asU8(),
          isDelete: w.getIsDelete(),
        });
      }
    }
    const eventBytes = chaincodeAction.getEvents_asU8();
    const event = eventBytes.length > 0 ? peer.ChaincodeEvent.deserializeBinary(eventBytes) : undefined;
    return {
      ...(event &&
        event.getEventName() !== '' && {
          event: { chaincode: event.getChaincodeId(), name: event.getEventName() },
        }),
      proposalResponsePayload: prp,
      endorsements: endorsed.getEndorsementsList().map((e) => ({
        endorser: e.getEndorser_asU8(),
        signature: e.getSignature_asU8(),
      })),
      chaincode: chaincodeAction.getChaincodeId()?.getName() ?? '',
      fn: invokedFunction(actionPayload.getChaincodeProposalPayload_asU8()),
      writes,
    };
  });
}

function invokedFunction(proposalPayload: Uint8Array): string {
  try {
    const input = peer.ChaincodeProposalPayload.deserializeBinary(proposalPayload).getInput_asU8();
    const args = peer.ChaincodeInvocationSpec.deserializeBinary(input)
      .getChaincodeSpec()
      ?.getInput()
      ?.getArgsList_asU8();
    return args?.[0] ? Buffer.from(args[0]).toString('utf8') : '';
  } catch {
    // Only a label for reports: the checks never rely on it.
    return '';
  }
}

/** The channel configuration a genesis (or config) block carries in its only envelope. */
export function configOfBlock(block: DecodedBlock): common.Config {
  const tx = block.transactions[0];
  if (block.transactions.length !== 1 || tx?.type !== 'config' || !tx.config) {
    throw new Error(
      `block ${block.number} is not a configuration block${tx?.malformed ? ` (${tx.malformed})` : ''}`,
    );
  }
  return tx.config;
}
