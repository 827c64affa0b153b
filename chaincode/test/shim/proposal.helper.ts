import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common, msp, peer } from '@hyperledger/fabric-protos';
// @ts-expect-error google-protobuf ships no type declarations (and @types/google-protobuf is not installed); the
// fabric-protos declarations type every Timestamp parameter as `any` for the same reason.
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';

/** Who signs a proposal: an MSP id and an X.509 certificate in PEM, as a client's wallet holds them. */
export interface Creator {
  readonly mspId: string;
  readonly certificatePem: Buffer;
}

/** Test identities from `__fixtures__` (see `make-certificates.sh` there for how each was issued). */
export function fixtureCreator(mspId: string, certificateFile: string): Creator {
  return { mspId, certificatePem: readFileSync(join(__dirname, '__fixtures__', certificateFile)) };
}

/** What a client asks for. */
export interface ProposalRequest {
  readonly channelId: string;
  readonly chaincodeName: string;
  readonly creator: Creator;
  /** The transaction name (`contract:Transaction`) followed by its arguments. */
  readonly args: readonly string[];
  readonly timestampMs: number;
}

/** A proposal as a client sends it to an endorsing peer, with the transaction id the client derived. */
export interface BuiltProposal {
  readonly txId: string;
  readonly signedProposal: peer.SignedProposal;
}

/** A Unix millisecond time as the protobuf Timestamp Fabric puts in channel headers. */
export function protoTimestamp(ms: number): unknown {
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(ms / 1000));
  ts.setNanos((ms % 1000) * 1_000_000);
  return ts;
}

/**
 * Builds the SignedProposal a Fabric client (fabric-gateway, the peer CLI) sends: ChaincodeProposalPayload holding a
 * ChaincodeInvocationSpec; a Header whose ChannelHeader carries the channel, transaction id and timestamp and whose
 * SignatureHeader carries the creator's SerializedIdentity and a nonce. The transaction id is Fabric's:
 * hex(SHA-256(nonce || serialized creator)).
 *
 * The signature is left empty: the shim never reads it, and checking it is the peer's MSP's job, before the
 * chaincode is involved.
 */
export function buildProposal(request: ProposalRequest): BuiltProposal {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(request.creator.mspId);
  identity.setIdBytes(request.creator.certificatePem);
  const creatorBytes = identity.serializeBinary();
  const nonce = randomBytes(24);
  const txId = createHash('sha256').update(nonce).update(creatorBytes).digest('hex');

  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(request.chaincodeName);

  const input = new peer.ChaincodeInput();
  input.setArgsList(request.args.map((arg) => Buffer.from(arg, 'utf8')));
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());

  const extension = new peer.ChaincodeHeaderExtension();
  extension.setChaincodeId(chaincodeId);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setChannelId(request.channelId);
  channelHeader.setTxId(txId);
  channelHeader.setEpoch(0);
  channelHeader.setTimestamp(protoTimestamp(request.timestampMs));
  channelHeader.setExtension$(extension.serializeBinary());

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creatorBytes);
  signatureHeader.setNonce(nonce);

  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());

  const signedProposal = new peer.SignedProposal();
  signedProposal.setProposalBytes(proposal.serializeBinary());
  return { txId, signedProposal };
}

/** What an endorsing peer takes out of a proposal before it calls the chaincode. */
export interface ProposalContents {
  readonly txId: string;
  readonly channelId: string;
  readonly chaincodeName: string;
  readonly timestampMs: number;
  readonly input: peer.ChaincodeInput;
}

/** Decodes a SignedProposal the way the peer does, to find the chaincode, its input and the transaction's identity. */
export function readProposal(signedProposal: peer.SignedProposal): ProposalContents {
  const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
  const input = spec?.getInput();
  if (!spec || !input) throw new Error('proposal carries no chaincode invocation');
  const ts = channelHeader.getTimestamp() as { getSeconds(): number; getNanos(): number } | undefined;
  if (!ts) throw new Error('proposal carries no timestamp');
  return {
    txId: channelHeader.getTxId(),
    channelId: channelHeader.getChannelId(),
    chaincodeName: spec.getChaincodeId()?.getName() ?? '',
    timestampMs: ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1_000_000),
    input,
  };
}
