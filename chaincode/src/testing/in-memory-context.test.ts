import { InMemoryLedger } from './in-memory-context';

const someone = { mspId: 'ProducerMSP', ou: 'client' } as const;
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

async function put(ledger: InMemoryLedger, entries: Record<string, string>): Promise<void> {
  const ctx = ledger.begin(someone);
  for (const [key, value] of Object.entries(entries)) await ctx.stub.putState(key, Buffer.from(value));
  expect(ledger.commit(ctx)).toBe('VALID');
}

describe('in-memory Fabric stub', () => {
  it('does not show a transaction its own writes, as Fabric does not', async () => {
    const ledger = new InMemoryLedger();
    const ctx = ledger.begin(someone);
    await ctx.stub.putState('k', Buffer.from('v'));
    expect(text(await ctx.stub.getState('k'))).toBe('');
    expect(ledger.get('k')).toBeUndefined();
    ledger.commit(ctx);
    expect(text(await ledger.begin(someone).stub.getState('k'))).toBe('v');
  });

  it('treats an empty value as a delete', async () => {
    const ledger = new InMemoryLedger();
    await put(ledger, { k: 'v' });
    const ctx = ledger.begin(someone);
    await ctx.stub.putState('k', Buffer.alloc(0));
    ledger.commit(ctx);
    expect(ledger.get('k')).toBeUndefined();
  });

  it('builds composite keys exactly as fabric-shim does, with U+0000 separators', () => {
    const { stub } = new InMemoryLedger().begin(someone);
    const key = stub.createCompositeKey('reading', ['d1', '0000000000000007']);
    expect(key).toBe('\u0000reading\u0000d1\u00000000000000000007\u0000');
    expect(stub.splitCompositeKey(key)).toEqual({
      objectType: 'reading',
      attributes: ['d1', '0000000000000007'],
    });
  });

  it('refuses range queries over composite keys, as the Node shim does', async () => {
    const { stub } = new InMemoryLedger().begin(someone);
    await expect(stub.getStateByRange('\u0000device\u0000', '')).rejects.toThrow(/null character/);
  });

  it('returns ranges in UTF-8 byte order, end exclusive', async () => {
    const ledger = new InMemoryLedger();
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16.
    await put(ledger, { 'a/\u{1f600}': '1', 'a/\uff5e': '2', 'a/b': '3', 'a/c': '4' });
    const range = async (start: string, end: string) => {
      const keys: string[] = [];
      for await (const kv of ledger.begin(someone).stub.getStateByRange(start, end)) keys.push(kv.key);
      return keys;
    };
    expect(await range('a/', 'a/\u{10ffff}')).toEqual(['a/b', 'a/c', 'a/\uff5e', 'a/\u{1f600}']);
    expect(await range('a/', 'a/c')).toEqual(['a/b']);
  });

  it('selects exactly the keys under a partial composite key', async () => {
    const ledger = new InMemoryLedger();
    const { stub } = ledger.begin(someone);
    const k = (type: string, ...attrs: string[]): string => stub.createCompositeKey(type, attrs);
    await put(ledger, { [k('device', 'd1')]: '1', [k('device2', 'd1')]: '2', [k('device', 'd2')]: '3' });
    const iterator = await ledger.begin(someone).stub.getStateByPartialCompositeKey('device', []);
    const found: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) found.push(text(r.value.value));
    await iterator.close();
    expect(found).toEqual(['1', '3']);
  });

  it('paginates with the next key as bookmark and "" after the last page', async () => {
    const ledger = new InMemoryLedger();
    await put(ledger, { 'k/1': 'a', 'k/2': 'b', 'k/3': 'c' });
    const page = async (bookmark: string) => {
      const { iterator, metadata } = await ledger
        .begin(someone)
        .stub.getStateByRangeWithPagination('k/', 'k0', 2, bookmark);
      const keys: string[] = [];
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) keys.push(r.value.key);
      return { keys, ...metadata };
    };
    expect(await page('')).toEqual({ keys: ['k/1', 'k/2'], fetchedRecordsCount: 2, bookmark: 'k/3' });
    expect(await page('k/3')).toEqual({ keys: ['k/3'], fetchedRecordsCount: 1, bookmark: '' });
  });

  it('refuses paginated queries in a transaction that writes, and writes after a paginated query', async () => {
    const ledger = new InMemoryLedger();
    const writer = ledger.begin(someone);
    await writer.stub.putState('k', Buffer.from('v'));
    await expect(writer.stub.getStateByPartialCompositeKeyWithPagination('x', [], 5, '')).rejects.toThrow(
      /paginated/,
    );
    const reader = ledger.begin(someone);
    await reader.stub.getStateByPartialCompositeKeyWithPagination('x', [], 5, '');
    await expect(reader.stub.putState('k', Buffer.from('v'))).rejects.toThrow(/paginated/);
  });

  it('keeps one chaincode event per transaction: the last one set', async () => {
    const ledger = new InMemoryLedger();
    const ctx = ledger.begin(someone);
    ctx.stub.setEvent('First', Buffer.from('{"n":1}'));
    ctx.stub.setEvent('Second', Buffer.from('{"n":2}'));
    ledger.commit(ctx);
    expect(ledger.events()).toEqual([{ txId: ctx.stub.getTxID(), name: 'Second', payload: { n: 2 } }]);
  });

  it('gives every proposal its own deterministic tx id and a later timestamp, seconds as a Long', () => {
    const a = new InMemoryLedger().begin(someone).stub;
    const b = new InMemoryLedger().begin(someone).stub;
    const ledger = new InMemoryLedger();
    const first = ledger.begin(someone).stub;
    const second = ledger.begin(someone).stub;
    expect(a.getTxID()).toBe(b.getTxID());
    expect(first.getTxID()).not.toBe(second.getTxID());
    expect(first.getTxID()).toMatch(/^[0-9a-f]{64}$/);
    const ts = second.getTxTimestamp();
    expect(ts.seconds.toNumber() * 1000).toBeGreaterThan(first.getTxTimestamp().seconds.toNumber() * 1000);
    expect(second.getDateTimestamp().getTime()).toBe(ts.seconds.toNumber() * 1000 + ts.nanos / 1e6);
  });

  it('returns a key’s history newest first, with tx ids, timestamps and deletes', async () => {
    const ledger = new InMemoryLedger();
    const txIds: string[] = [];
    for (const value of ['v1', 'v2', '']) {
      const ctx = ledger.begin(someone);
      await (value ? ctx.stub.putState('k', Buffer.from(value)) : ctx.stub.deleteState('k'));
      ledger.commit(ctx);
      txIds.push(ctx.stub.getTxID());
    }
    const history = [];
    for await (const m of ledger.begin(someone).stub.getHistoryForKey('k')) history.push(m);
    expect(history.map((m) => [m.txId, text(m.value), m.isDelete])).toEqual([
      [txIds[2], '', true],
      [txIds[1], 'v2', false],
      [txIds[0], 'v1', false],
    ]);
    expect(typeof history[0]?.timestamp.seconds).toBe('number');
  });

  it('invalidates a transaction whose read key changed before it committed (MVCC)', async () => {
    const ledger = new InMemoryLedger();
    await put(ledger, { k: 'v1' });
    const a = ledger.begin(someone);
    const b = ledger.begin(someone);
    for (const ctx of [a, b]) {
      await ctx.stub.getState('k');
      await ctx.stub.putState('k', Buffer.from(ctx.stub.getTxID()));
    }
    expect(ledger.commit(a)).toBe('VALID');
    expect(ledger.commit(b)).toBe('MVCC_READ_CONFLICT');
    expect(ledger.get('k')).toBe(a.stub.getTxID());
  });

  it('invalidates a transaction whose range gained a key before it committed (phantom read)', async () => {
    const ledger = new InMemoryLedger();
    const reader = ledger.begin(someone);
    for await (const kv of reader.stub.getStateByPartialCompositeKey('breach', ['S1'])) void kv;
    await reader.stub.putState('other', Buffer.from('x'));
    const writer = ledger.begin(someone);
    await writer.stub.putState(writer.stub.createCompositeKey('breach', ['S1', 'b1']), Buffer.from('{}'));
    expect(ledger.commit(writer)).toBe('VALID');
    expect(ledger.commit(reader)).toBe('PHANTOM_READ_CONFLICT');
    expect(ledger.get('other')).toBeUndefined();
  });
});
