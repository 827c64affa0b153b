import { createHash } from 'node:crypto';

/** The three header fields a block hash covers (Fabric's common.BlockHeader). */
export interface BlockHeaderFields {
  readonly number: bigint;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
}

/**
 * The bytes Fabric hashes for a block header: the ASN.1 DER encoding of
 * `SEQUENCE { Number INTEGER, PreviousHash OCTET STRING, DataHash OCTET STRING }`, exactly as
 * `protoutil.BlockHeaderBytes` marshals its `asn1Header` (fabric v3.1.5, protoutil/blockutils.go). Not the
 * protobuf encoding of the header: that is not what the next block's previous_hash covers.
 */
export function blockHeaderBytes(header: BlockHeaderFields): Buffer {
  return derSequence([
    derInteger(header.number),
    derOctetString(header.previousHash),
    derOctetString(header.dataHash),
  ]);
}

/** SHA-256 of {@link blockHeaderBytes}: what the next block's previous_hash must hold. */
export function blockHeaderHash(header: BlockHeaderFields): Buffer {
  return sha256(blockHeaderBytes(header));
}

/**
 * SHA-256 over the block's envelopes concatenated as stored (`protoutil.ComputeBlockDataHash`). The envelopes
 * must be the block's raw bytes: re-encoding a decoded envelope need not give the same bytes back.
 */
export function blockDataHash(envelopes: readonly Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const envelope of envelopes) hash.update(envelope);
  return hash.digest();
}

/** What is wrong with one link of the chain, in words an auditor can act on; undefined when it holds. */
export function checkChainLink(previous: BlockHeaderFields, block: BlockHeaderFields): string | undefined {
  if (block.number !== previous.number + 1n) {
    return `block ${block.number} follows block ${previous.number}: numbers must be consecutive`;
  }
  const expected = blockHeaderHash(previous);
  if (!expected.equals(block.previousHash)) {
    return (
      `block ${block.number}: previous_hash ${hex(block.previousHash)} is not the hash of block ` +
      `${previous.number}'s header (${hex(expected)})`
    );
  }
  return undefined;
}

/** What is wrong with a block's data hash; undefined when it covers exactly the block's envelopes. */
export function checkDataHash(
  header: BlockHeaderFields,
  envelopes: readonly Uint8Array[],
): string | undefined {
  const computed = blockDataHash(envelopes);
  if (computed.equals(header.dataHash)) return undefined;
  return (
    `block ${header.number}: data_hash ${hex(header.dataHash)} in the header does not match the SHA-256 ` +
    `of its ${envelopes.length} transaction(s) (${hex(computed)}): the block's contents were altered`
  );
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

// Block numbers are unsigned: the shortest big-endian form, with a zero byte in front when the top bit is set
// (which would otherwise read as negative), as Go's encoding/asn1 writes a non-negative *big.Int.
function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new Error('block numbers are never negative');
  const bytes: number[] = [];
  for (let n = value; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return derTlv(0x02, Buffer.from(bytes));
}

function derOctetString(bytes: Uint8Array): Buffer {
  return derTlv(0x04, bytes);
}

function derSequence(items: readonly Buffer[]): Buffer {
  return derTlv(0x30, Buffer.concat(items));
}
