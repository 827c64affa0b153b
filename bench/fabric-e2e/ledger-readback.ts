/** What the ledger holds for a fleet over a time range, read back through the gateway's REST API. */
export interface LedgerCount {
  /** Records the ledger returned. */
  readonly records: number;
  /** Distinct (device, seq) among them. */
  readonly distinct: number;
  /** Records beyond the first of the same (device, seq): a reading on the ledger more than once. */
  readonly repeated: number;
  readonly requests: number;
  readonly seconds: number;
}

interface ReadingPage {
  items: { reading?: { deviceId?: string; seq?: number } }[];
  bookmark?: string;
}

/**
 * Every reading of `deviceIds` measured in [fromMs, toMs), page by page (`GET /devices/{id}/readings`, the
 * chaincode's GetReadingsByDevice on the auditor's own peer), a few devices at a time.
 */
export async function countLedgerReadings(
  gatewayUrl: string,
  auditorKey: string,
  deviceIds: readonly string[],
  fromMs: number,
  toMs: number,
  concurrency = 6,
): Promise<LedgerCount> {
  const started = Date.now();
  let records = 0;
  let repeated = 0;
  let requests = 0;
  const distinct = new Set<string>();
  const queue = [...deviceIds];
  const worker = async (): Promise<void> => {
    for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift()) {
      let bookmark = '';
      do {
        const query = new URLSearchParams({ from: String(fromMs), to: String(toMs), pageSize: '200' });
        if (bookmark !== '') query.set('bookmark', bookmark);
        const url = `${gatewayUrl}/devices/${encodeURIComponent(deviceId)}/readings?${query}`;
        const response = await fetch(url, {
          headers: { authorization: `Bearer ${auditorKey}` },
          signal: AbortSignal.timeout(60_000),
        });
        requests++;
        if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
        const page = (await response.json()) as ReadingPage;
        for (const item of page.items) {
          records++;
          const key = `${item.reading?.deviceId}/${item.reading?.seq}`;
          if (distinct.has(key)) repeated++;
          else distinct.add(key);
        }
        // The last page's bookmark is empty; an empty page ends the walk whatever it says.
        bookmark = page.items.length > 0 && page.bookmark && page.bookmark !== bookmark ? page.bookmark : '';
      } while (bookmark !== '');
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, deviceIds.length) }, worker));
  return { records, distinct: distinct.size, repeated, requests, seconds: (Date.now() - started) / 1000 };
}
