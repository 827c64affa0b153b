import { LedgerErrorCode } from '@provena/wire';
import type { Caller } from './caller';
import { LedgerError } from './ledger-error';

// Every refusal names who may do the thing, so an operator reading the gateway's error knows whom to ask.

/**
 * Lets only an admin of `org` through.
 * @throws {@link LedgerError} FORBIDDEN, e.g. "only an admin of ProducerMSP may rotate the key of device d1".
 */
export function requireAdminOf(caller: Caller, org: string, action: string): void {
  if (caller.mspId !== org || caller.role !== 'admin') {
    throw new LedgerError(LedgerErrorCode.Forbidden, `only an admin of ${org} may ${action}`);
  }
}

/**
 * Lets an operator or admin of any of `orgs` through (auditors never, even if listed).
 * @throws {@link LedgerError} FORBIDDEN
 */
export function requireMemberOf(caller: Caller, orgs: readonly string[], action: string): void {
  if (caller.role === 'auditor' || !orgs.includes(caller.mspId)) {
    const who = [...new Set(orgs)].join(' or ');
    throw new LedgerError(LedgerErrorCode.Forbidden, `only an operator or admin of ${who} may ${action}`);
  }
}

/**
 * Lets an operator or admin of any member organisation through: everyone but auditors.
 * @throws {@link LedgerError} FORBIDDEN
 */
export function requireWriter(caller: Caller, action: string): void {
  if (caller.role === 'auditor') {
    throw new LedgerError(
      LedgerErrorCode.Forbidden,
      `only an operator or admin of a member organisation may ${action}; ${caller.mspId} may only read`,
    );
  }
}

/** How {@link authorize} finds the record a transaction acts on and decides about the caller. */
export interface Authorization<T> {
  /** Whether the caller's role could be allowed at all (false: auditors, and operators for admin-only acts). */
  readonly eligible: boolean;
  /** The refusal when the record cannot be named: a malformed or unknown id, a missing offer. */
  readonly generic: string;
  /** Validates the id and loads the record; throws INVALID_ARGUMENT, NOT_FOUND and the like. */
  readonly load: () => Promise<T>;
  /** Throws FORBIDDEN naming the organisation that may act on this record. */
  readonly check: (target: T) => void;
}

/**
 * Loads the record a transaction acts on, then checks the caller against it, so a refusal names the organisation
 * that may act ("only an admin of ProducerMSP may ..."). A caller who could never be allowed is refused FORBIDDEN
 * even when the record cannot be loaded: an auditor learns nothing from an unknown id and always gets FORBIDDEN.
 * @throws {@link LedgerError} FORBIDDEN, or what `load` throws for eligible callers.
 */
export async function authorize<T>(auth: Authorization<T>): Promise<T> {
  let target: T;
  try {
    target = await auth.load();
  } catch (err) {
    if (!auth.eligible && err instanceof LedgerError) {
      throw new LedgerError(LedgerErrorCode.Forbidden, auth.generic, { cause: err });
    }
    throw err;
  }
  auth.check(target);
  return target;
}
