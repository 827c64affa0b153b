/**
 * `Promise.all(items.map(fn))` with at most `limit` calls in flight, results in input order. After the first
 * failure no new call starts, and the failure is what the returned promise rejects with.
 *
 * @example
 * const infos = await mapBounded(txIds, 8, (txId) => ledger.transactionInfo(actor, txId));
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
