import type { Context } from 'fabric-contract-api';
import { callerOf, type Caller } from './caller';
import { timestampMs } from './ledger-state';

/** What every transaction needs to know about itself, computed once at its start. */
export interface TxScope {
  readonly ctx: Context;
  readonly caller: Caller;
  readonly txId: string;
  /**
   * The proposal's timestamp in Unix ms: the only clock endorsers agree on (each peer's own clock differs, and
   * endorsements with different results would not match).
   */
  readonly nowMs: number;
}

/**
 * Opens a transaction: identifies the caller (refusing identities without a usable role) and reads the
 * transaction's id and timestamp.
 * @throws {@link LedgerError} FORBIDDEN for identities that are neither admin, client nor auditor.
 */
export function openTx(ctx: Context): TxScope {
  return {
    ctx,
    caller: callerOf(ctx),
    txId: ctx.stub.getTxID(),
    nowMs: timestampMs(ctx.stub.getTxTimestamp()),
  };
}
