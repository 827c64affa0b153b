import { createHash } from 'node:crypto';
import {
  blockDataHash,
  blockHeaderBytes,
  blockHeaderHash,
  checkChainLink,
  checkDataHash,
  type BlockHeaderFields,
} from './hash-chain';

const bytes = (hexText: string): Buffer => Buffer.from(hexText, 'hex');
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

// Headers of blocks 0–2 of a channel made by this repository's network (Fabric v3.1.5, network/network.sh up),
// copied from the blocks qscc returned: Go's encoding/asn1 wrote the bytes these previous hashes cover, so they pin
// the verifier's DER encoding to Fabric's own.
const FABRIC_HEADERS: BlockHeaderFields[] = [
  {
    number: 0n,
    previousHash: bytes(''),
    dataHash: bytes('f1570bced0d3ce00efc91b7dceb02df0d39c966864a90c70e779c4288f9115ca'),
  },
  {
    number: 1n,
    previousHash: bytes('02aa5378c00b689ea1fb9373daea3ad0a7419f49da83141fdc82f3fa980f0ec0'),
    dataHash: bytes('392dfd862d72d7190176a4108519dd5270fe7fff6374aae2fdd7349bbb8bf30a'),
  },
  {
    number: 2n,
    previousHash: bytes('57225eaa2610567f11abd253feb2dcbd90d81688e89cf451e050a4c841ee5a6a'),
    dataHash: bytes('84cb7ea4ac4c894823433c209160f7d7b86727cf41b0ef79d241733bcc4044a0'),
  },
];

/** A chain of `count` blocks of made-up envelopes, linked as an orderer links them. */
function chain(count: number): { header: BlockHeaderFields; envelopes: Buffer[] }[] {
  const blocks: { header: BlockHeaderFields; envelopes: Buffer[] }[] = [];
  for (let n = 0; n < count; n++) {
    const envelopes = [Buffer.from(`envelope ${n}.0`), Buffer.from(`envelope ${n}.1`)];
    const previous = blocks[n - 1];
    blocks.push({
      header: {
        number: BigInt(n),
        previousHash: previous ? blockHeaderHash(previous.header) : Buffer.alloc(0),
        dataHash: blockDataHash(envelopes),
      },
      envelopes,
    });
  }
  return blocks;
}

describe('block header bytes (ASN.1 DER, as protoutil.BlockHeaderBytes)', () => {
  it('encodes block 0 with an empty previous hash as SEQUENCE { INTEGER 0, OCTET STRING "", OCTET STRING hash }', () => {
    const dataHash = Buffer.alloc(32, 0xab);
    expect(blockHeaderBytes({ number: 0n, previousHash: Buffer.alloc(0), dataHash }).toString('hex')).toBe(
      ['3027', '020100', '0400', '0420', dataHash.toString('hex')].join(''),
    );
  });

  it.each([
    [127n, '02017f'],
    [128n, '02020080'],
    [255n, '020200ff'],
    [256n, '02020100'],
    [2n ** 40n, '02060100' + '00000000'],
  ])('writes block number %s as the shortest non-negative INTEGER (%s)', (number, integer) => {
    const der = blockHeaderBytes({ number, previousHash: Buffer.alloc(0), dataHash: Buffer.alloc(0) });
    expect(der.subarray(2, 2 + integer.length / 2).toString('hex')).toBe(integer);
  });

  it("reproduces the previous hashes a real Fabric v3.1.5 channel's blocks 1 and 2 carry", () => {
    expect(blockHeaderHash(FABRIC_HEADERS[0]!).toString('hex')).toBe(
      Buffer.from(FABRIC_HEADERS[1]!.previousHash).toString('hex'),
    );
    expect(checkChainLink(FABRIC_HEADERS[0]!, FABRIC_HEADERS[1]!)).toBeUndefined();
    expect(checkChainLink(FABRIC_HEADERS[1]!, FABRIC_HEADERS[2]!)).toBeUndefined();
  });

  it('is not the SHA-256 of the fields concatenated: only the DER form links the chain', () => {
    const h = FABRIC_HEADERS[0]!;
    const naive = sha256(Buffer.concat([Buffer.from([0]), h.previousHash, h.dataHash]));
    expect(naive.equals(Buffer.from(FABRIC_HEADERS[1]!.previousHash))).toBe(false);
  });
});

describe('the hash chain', () => {
  it('holds for a chain linked as the orderer links it', () => {
    const blocks = chain(4);
    for (let n = 1; n < blocks.length; n++) {
      expect(checkChainLink(blocks[n - 1]!.header, blocks[n]!.header)).toBeUndefined();
    }
    for (const block of blocks) expect(checkDataHash(block.header, block.envelopes)).toBeUndefined();
  });

  it("names the block whose contents were altered: one flipped byte in an envelope breaks that block's data hash", () => {
    const blocks = chain(3);
    const envelope = blocks[1]!.envelopes[1]!;
    envelope[3] = envelope[3]! ^ 0x01;
    expect(checkDataHash(blocks[1]!.header, blocks[1]!.envelopes)).toMatch(
      /^block 1: data_hash [0-9a-f]{64} in the header does not match the SHA-256 of its 2 transaction\(s\) \([0-9a-f]{64}\): the block's contents were altered$/,
    );
    expect(checkDataHash(blocks[0]!.header, blocks[0]!.envelopes)).toBeUndefined();
  });

  it("catches a header rewritten to fit altered contents: the next block's previous_hash no longer matches", () => {
    const blocks = chain(3);
    const forged = { ...blocks[1]!.header, dataHash: blockDataHash([Buffer.from('forged')]) };
    expect(checkChainLink(forged, blocks[2]!.header)).toMatch(
      /^block 2: previous_hash [0-9a-f]{64} is not the hash of block 1's header \([0-9a-f]{64}\)$/,
    );
  });

  it('catches a block left out: numbers must be consecutive', () => {
    const blocks = chain(3);
    expect(checkChainLink(blocks[0]!.header, blocks[2]!.header)).toBe(
      'block 2 follows block 0: numbers must be consecutive',
    );
  });

  it('catches envelopes reordered inside a block', () => {
    const [block] = chain(1);
    expect(checkDataHash(block!.header, [...block!.envelopes].reverse())).toBeDefined();
  });
});
