import type { Committed } from '../ledger/ledger.port';

/** A chaincode result as the API passes it on: the chaincode's JSON, unchanged. */
export type LedgerRecord = Record<string, unknown>;

/**
 * What every write route returns: the chaincode's result, plus the transaction that committed it and its block
 * (a decimal string: JSON numbers cannot hold every block number exactly, and JSON has no bigint).
 */
export type WriteResponse<T extends object = LedgerRecord> = T & { txId: string; blockNumber: string };

/** Turns a committed transaction into a {@link WriteResponse}. */
export function writeResponse<T extends object>(committed: Committed<T>): WriteResponse<T> {
  return { ...committed.result, txId: committed.txId, blockNumber: committed.blockNumber.toString() };
}
