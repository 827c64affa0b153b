import { X509Certificate } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { AUDITOR_MSP, LedgerErrorCode } from '@provena/wire';
import { LedgerError } from './ledger-error';
import { cachePure } from './pure-cache';

// Re-exported for the chaincode's modules and tests; the wire package holds it, shared with the gateway.
export { AUDITOR_MSP };

/** What a caller may do: `admin` manages its organisation's devices, `operator` runs shipments, `auditor` reads. */
export type Role = 'admin' | 'operator' | 'auditor';

/** Who is invoking the transaction, derived once per transaction by {@link callerOf}. */
export interface Caller {
  readonly mspId: string;
  readonly role: Role;
  /** Fabric's client id (`x509::<subject>::<issuer>`), recorded as the actor of custody steps and dispositions. */
  readonly id: string;
}

// Fabric's NodeOU identifiers (msp/config.yaml). Exactly one of them classifies an identity; Fabric CA adds
// affiliation OUs (e.g. OU=department1) next to it, which carry no role.
const NODE_OUS = ['admin', 'client', 'peer', 'orderer'] as const;
const ROLE_OF_NODE_OU: Readonly<Record<string, Role | undefined>> = { admin: 'admin', client: 'operator' };

/**
 * The role of an identity from its MSP id and certificate subject (Node's `X509Certificate.subject` form: one
 * `key=value` per line). The auditor organisation's members are auditors whatever their OU.
 *
 * @throws {@link LedgerError} FORBIDDEN when the subject has no single admin or client NodeOU.
 * @example
 * roleFromSubject('ProducerMSP', 'O=ProducerMSP\nOU=client\nCN=User1'); // => 'operator'
 */
export function roleFromSubject(mspId: string, subject: string): Role {
  if (mspId === AUDITOR_MSP) return 'auditor';
  const nodeOus = subject
    .split('\n')
    .filter((line) => line.startsWith('OU='))
    .map((line) => line.slice(3))
    .filter((ou) => (NODE_OUS as readonly string[]).includes(ou));
  const role = nodeOus.length === 1 ? ROLE_OF_NODE_OU[nodeOus[0] ?? ''] : undefined;
  if (role === undefined) {
    const found = nodeOus.length === 0 ? 'no NodeOU' : `NodeOU ${nodeOus.join(', ')}`;
    throw new LedgerError(
      LedgerErrorCode.Forbidden,
      `the ${mspId} identity has ${found}; only admin and client identities of member organisations may transact`,
    );
  }
  return role;
}

/**
 * The subject of the caller's certificate. Fabric hands the certificate over as PEM bytes.
 * @throws {@link LedgerError} FORBIDDEN when the identity is not an X.509 certificate.
 */
export function subjectOfIdentity(idBytes: Uint8Array): string {
  // PEM is ASCII, so latin1 maps its bytes one to one onto the key.
  return subjectOfPem(Buffer.from(idBytes).toString('latin1'));
}

// Parsing a certificate costs about 0.3 ms, once per transaction, and a gateway signs every transaction with the
// same few certificates: remembered by content (a pure function of the bytes).
const subjectOfPem = cachePure((pem: string): string => {
  try {
    return new X509Certificate(Buffer.from(pem, 'latin1')).subject;
  } catch (err) {
    throw new LedgerError(LedgerErrorCode.Forbidden, 'the caller identity is not an X.509 certificate', {
      cause: err,
    });
  }
}, 1024);

/**
 * The certificate attribute a person's role comes from: Fabric CA writes `provena.role` into the enrolment
 * certificate when the person is registered with `--id.attrs provena.role=<role>:ecert`.
 */
export const ROLE_ATTRIBUTE = 'provena.role';
const ROLES: readonly Role[] = ['admin', 'operator', 'auditor'];

/**
 * The role a person's certificate attribute grants. The auditor organisation's members are auditors whatever the
 * attribute says; a member organisation may give a person any of the three roles (an `auditor` there reads only).
 * @throws {@link LedgerError} FORBIDDEN for any other value.
 */
export function roleFromAttribute(mspId: string, value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new LedgerError(
      LedgerErrorCode.Forbidden,
      `the ${mspId} identity's ${ROLE_ATTRIBUTE} attribute is "${value}"; it must be one of ${ROLES.join(', ')}`,
    );
  }
  return mspId === AUDITOR_MSP ? 'auditor' : (value as Role);
}

/**
 * Derives the transaction's {@link Caller} from the client identity Fabric attached to the proposal: a person
 * enrolled with Fabric CA by their `provena.role` attribute, any other identity (cryptogen's users, the gateway's
 * and the forecasting service's identities) by its NodeOU.
 */
export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const mspId = identity.getMSPID();
  const attribute = identity.getAttributeValue(ROLE_ATTRIBUTE);
  const role =
    attribute === null
      ? roleFromSubject(mspId, subjectOfIdentity(identity.getIDBytes()))
      : roleFromAttribute(mspId, attribute);
  return { mspId, role, id: identity.getID() };
}
