import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { normaliseSerial, type RevocationList } from './revocation-list';
import type { Principal, Signer } from './signature-policy';

/** One organisation's MSP as the channel configuration defines it: what an identity of it must chain to. */
export interface MspDefinition {
  readonly mspId: string;
  readonly rootCerts: readonly X509Certificate[];
  readonly intermediateCerts: readonly X509Certificate[];
  /** DER of the explicitly listed admin certificates. */
  readonly admins: readonly Buffer[];
  /** NodeOU identifiers by role, when NodeOUs are enabled; null when they are not. */
  readonly nodeOus: Readonly<Partial<Record<'client' | 'peer' | 'admin' | 'orderer', string>>> | null;
  /**
   * The MSP's certificate revocation lists, each with the CA of the MSP that signed it, or why it cannot be used
   * (unreadable, or signed by no CA of the MSP: then no identity of the MSP is taken as valid).
   */
  readonly revocationLists: readonly MspRevocationList[];
}

/** One CRL of an MSP, checked against the MSP's CAs when the configuration is read. */
export type MspRevocationList =
  { readonly list: RevocationList; readonly ca: X509Certificate } | { readonly problem: string };

/** An identity that verified against its MSP: it can vouch for principals of that MSP. */
export interface ValidIdentity extends Signer {
  readonly mspId: string;
  readonly certificate: X509Certificate;
}

/** A serialized identity checked against the channel's MSPs: valid, or why not. */
export type IdentityCheck =
  { readonly ok: true; readonly identity: ValidIdentity } | { readonly ok: false; readonly problem: string };

// P-256's group order: Fabric refuses signatures whose S is above half of it (bccsp/sw/ecdsa.go, IsLowS).
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * Checks a serialized identity (msp.SerializedIdentity) the way an MSP validates one: its organisation is in the
 * channel configuration and its certificate chains to one of that organisation's root CAs (through its
 * intermediate CAs). NodeOUs decide roles. The validity period is checked apart ({@link checkValidityPeriod}),
 * against the time of the transaction the identity signed.
 */
export function checkIdentity(
  serialized: Uint8Array,
  msps: ReadonlyMap<string, MspDefinition>,
): IdentityCheck {
  let mspId: string;
  let certificate: X509Certificate;
  try {
    const identity = msp.SerializedIdentity.deserializeBinary(serialized);
    mspId = identity.getMspid();
    certificate = new X509Certificate(Buffer.from(identity.getIdBytes_asU8()));
  } catch {
    return { ok: false, problem: 'its identity is not a serialized X.509 identity' };
  }
  const name = commonName(certificate);
  const definition = msps.get(mspId);
  if (!definition) {
    return { ok: false, problem: `${name} claims ${mspId}, which is not an organisation of the channel` };
  }
  const unusable = definition.revocationLists.find((r) => 'problem' in r);
  if (unusable && 'problem' in unusable) {
    return {
      ok: false,
      problem: `${mspId}'s configuration carries a revocation list that ${unusable.problem}`,
    };
  }
  const chainProblem = chainToRoot(certificate, definition);
  if (chainProblem) return { ok: false, problem: `${name} claims ${mspId}, but ${chainProblem}` };
  const serial = normaliseSerial(certificate.serialNumber);
  for (const r of definition.revocationLists) {
    if ('list' in r && r.list.serials.has(serial) && issuedBy(certificate, r.ca)) {
      return {
        ok: false,
        problem: `${name}'s certificate (serial ${serial}) is revoked: ${mspId}'s revocation list in the configuration then in force names it`,
      };
    }
  }
  const ous = organisationalUnits(certificate);
  const nodeOus = definition.nodeOus;
  const roleOf = (role: 'client' | 'peer' | 'admin' | 'orderer'): boolean => {
    const ou = nodeOus?.[role];
    return ou !== undefined && ous.includes(ou);
  };
  const isAdmin = (): boolean =>
    definition.admins.some((der) => der.equals(certificate.raw)) || roleOf('admin');
  const roles = (['peer', 'orderer', 'client', 'admin'] as const).filter((r) => roleOf(r));
  return {
    ok: true,
    identity: {
      mspId,
      certificate,
      label: `${mspId}.${roles[0] ?? 'member'} (${name})`,
      satisfies(principal: Principal): boolean {
        if ('unsupported' in principal || principal.mspId !== mspId) return false;
        switch (principal.role) {
          case 'member':
            return true;
          case 'admin':
            return isAdmin();
          default:
            return roleOf(principal.role);
        }
      },
    },
  };
}

/**
 * Whether the identity's certificate was within its validity period at `atMs` (the transaction's time: an
 * identity that has expired since still signed validly then). Undefined when it was, else why not.
 */
export function checkValidityPeriod(identity: ValidIdentity, atMs: number): string | undefined {
  const { certificate } = identity;
  if (atMs >= Date.parse(certificate.validFrom) && atMs <= Date.parse(certificate.validTo)) return undefined;
  return (
    `${identity.label} was not valid at ${new Date(atMs).toISOString()} ` +
    `(valid ${certificate.validFrom} to ${certificate.validTo})`
  );
}

/**
 * Whether `signature` (DER ECDSA, as Fabric writes it) by `identity` over `data` verifies with SHA-256 and has a
 * low S, as Fabric requires. Undefined when it holds, else why not.
 */
export function checkSignature(
  identity: ValidIdentity,
  data: Uint8Array,
  signature: Uint8Array,
): string | undefined {
  let ok: boolean;
  try {
    ok = verifySignature('sha256', data, identity.certificate.publicKey, signature);
  } catch {
    ok = false;
  }
  if (!ok) return `the signature of ${identity.label} does not verify`;
  const s = derSignatureS(signature);
  if (s === undefined || s > P256_N / 2n)
    return `the signature of ${identity.label} has a high S, which Fabric refuses`;
  return undefined;
}

/** The CN of a certificate's subject, for messages. */
export function commonName(certificate: X509Certificate): string {
  const cn = certificate.subject.split('\n').find((line) => line.startsWith('CN='));
  return cn ?? certificate.subject.replace(/\n/g, ', ');
}

function organisationalUnits(certificate: X509Certificate): string[] {
  return certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('OU='))
    .flatMap((line) => line.slice(3).split('+'));
}

function chainToRoot(certificate: X509Certificate, definition: MspDefinition): string | undefined {
  let current = certificate;
  // Each step moves one CA up; a chain longer than every CA the MSP lists would have to repeat one.
  for (let depth = 0; depth <= definition.intermediateCerts.length; depth++) {
    const root = definition.rootCerts.find((ca) => issuedBy(current, ca));
    if (root) return undefined;
    const intermediate = definition.intermediateCerts.find((ca) => issuedBy(current, ca));
    if (!intermediate) break;
    current = intermediate;
  }
  return `its certificate is not issued by a ${definition.mspId} CA in the channel configuration`;
}

export function issuedBy(certificate: X509Certificate, ca: X509Certificate): boolean {
  try {
    return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
  } catch {
    return false;
  }
}

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }; undefined when the bytes are not that.
function derSignatureS(signature: Uint8Array): bigint | undefined {
  const bytes = Buffer.from(signature);
  if (bytes[0] !== 0x30) return undefined;
  let offset = 2;
  if ((bytes[1] ?? 0) & 0x80) offset = 2 + ((bytes[1] ?? 0) & 0x7f);
  const readInteger = (): bigint | undefined => {
    if (bytes[offset] !== 0x02) return undefined;
    const length = bytes[offset + 1] ?? 0;
    const value = bytes.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    return value.length === 0 ? undefined : BigInt(`0x${value.toString('hex')}`);
  };
  if (readInteger() === undefined) return undefined;
  return readInteger();
}
