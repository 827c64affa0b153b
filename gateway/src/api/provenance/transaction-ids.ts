/**
 * Every distinct transaction id a ledger record names, in order of first appearance. The chaincode names each
 * fact's transaction in a field called `txId` or ending in `TxId` (`createdAtTxId`, `attachedAtTxId`,
 * `offeredAtTxId`, ...) and lists a device's recording transactions in `txIds`; walking the whole record picks
 * up facts added to the chaincode later without a change here.
 */
export function transactionIdsOf(record: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, field] of Object.entries(value)) {
      if ((key === 'txId' || key.endsWith('TxId')) && typeof field === 'string') found.add(field);
      else if (key === 'txIds' && Array.isArray(field)) {
        for (const id of field) if (typeof id === 'string') found.add(id);
      } else walk(field);
    }
  };
  walk(record);
  return [...found];
}
