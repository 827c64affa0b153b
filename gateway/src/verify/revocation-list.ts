import { verify as verifySignature, type X509Certificate } from 'node:crypto';

/**
 * A certificate revocation list (RFC 5280 CertificateList) as an MSP carries it in the channel configuration:
 * which serial numbers its issuer revoked. Node's crypto reads certificates but not CRLs, so the few DER fields
 * needed are read here.
 */
export interface RevocationList {
  /** Revoked serial numbers, upper-case hex without leading zeros (as X509Certificate.serialNumber, trimmed). */
  readonly serials: ReadonlySet<string>;
  /** The signed part (tbsCertList) and its signature, for checking against the issuing CA. */
  readonly tbs: Buffer;
  readonly signature: Buffer;
}

interface Element {
  readonly tag: number;
  /** The whole element, header included. */
  readonly raw: Buffer;
  readonly content: Buffer;
}

function read(bytes: Buffer, offset: number): Element {
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[offset + 2 + i] ?? 0);
    header += octets;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new Error('truncated DER');
  return { tag, raw: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end) };
}

function children(element: Element): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < element.content.length;) {
    const child = read(element.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** Serial numbers compare as hex without leading zeros. */
export const normaliseSerial = (hex: string): string => hex.toUpperCase().replace(/^0+(?=.)/, '');

const SEQUENCE = 0x30;
const INTEGER = 0x02;

/**
 * Parses a CRL, PEM or DER.
 * @throws Error when the bytes are not a CertificateList.
 */
export function parseRevocationList(bytes: Uint8Array): RevocationList {
  let der = Buffer.from(bytes);
  const text = der.toString('latin1');
  if (text.includes('-----BEGIN X509 CRL-----')) {
    const body = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text)?.[1] ?? '';
    der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  }
  const list = read(der, 0);
  if (list.tag !== SEQUENCE) throw new Error('a CRL is a DER SEQUENCE');
  const [tbs, , signatureValue] = children(list);
  if (!tbs || tbs.tag !== SEQUENCE || !signatureValue) throw new Error('the CRL lacks its tbsCertList');
  const fields = children(tbs);
  // version is optional (present as INTEGER in v2 CRLs); then signature algorithm, issuer, thisUpdate.
  let i = fields[0]?.tag === INTEGER ? 1 : 0;
  i++; // signature AlgorithmIdentifier
  const issuer = fields[i++];
  if (!issuer || issuer.tag !== SEQUENCE) throw new Error('the CRL names no issuer');
  i++; // thisUpdate
  // nextUpdate (a Time: UTCTime 0x17 or GeneralizedTime 0x18) is optional.
  if (fields[i]?.tag === 0x17 || fields[i]?.tag === 0x18) i++;
  const serials = new Set<string>();
  const revoked = fields[i];
  if (revoked?.tag === SEQUENCE) {
    for (const entry of children(revoked)) {
      const serial = children(entry)[0];
      if (serial?.tag !== INTEGER) throw new Error('a revoked entry has no serial number');
      serials.add(normaliseSerial(serial.content.toString('hex')));
    }
  }
  // BIT STRING: the first content byte counts unused bits (0 for a signature).
  return { serials, tbs: tbs.raw, signature: signatureValue.content.subarray(1) };
}

/** Whether `ca` signed the list (SHA-256 with the CA's key, as Fabric CA signs its CRLs). */
export function signedBy(list: RevocationList, ca: X509Certificate): boolean {
  try {
    return verifySignature('sha256', list.tbs, ca.publicKey, list.signature);
  } catch {
    return false;
  }
}
