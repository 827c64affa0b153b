import { AUDITOR_MSP } from '@provena/wire';
import type { LedgerActor } from '../../ledger/ledger.port';

/** What an API key lets its holder do: `admin` manages devices, `operator` runs shipments, `auditor` reads. */
export type ApiRole = 'admin' | 'operator' | 'auditor';

/** Every {@link ApiRole}, in the order usage messages list them. */
export const API_ROLES: readonly ApiRole[] = ['admin', 'operator', 'auditor'];

/** The chaincode's auditor organisation, from the wire package both share. */
export const AUDITOR_ORG = AUDITOR_MSP;

/** Who made a request: the API key that authenticated it. */
export interface Principal {
  readonly keyId: string;
  readonly role: ApiRole;
  /** The organisation's MSP id; always {@link AUDITOR_ORG} for auditors. */
  readonly org: string;
  /** The enrolled person of `org` the key acts as, when it names one. */
  readonly person?: string;
}

/**
 * The ledger identity a principal acts as. Auditors always act as the auditor organisation, whatever else a key
 * record might say, so a hand-edited key file cannot turn an auditor into a member organisation's reader.
 *
 * @example
 * actorOf({ keyId: '0123456789ab', role: 'operator', org: 'CarrierMSP' }); // => { org: 'CarrierMSP', role: 'operator' }
 */
export function actorOf(principal: Principal): LedgerActor {
  const person = principal.person === undefined ? {} : { person: principal.person };
  return principal.role === 'auditor'
    ? { org: AUDITOR_ORG, role: 'auditor', ...person }
    : { org: principal.org, role: principal.role, ...person };
}
