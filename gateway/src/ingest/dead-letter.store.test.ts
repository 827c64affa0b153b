import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadLetterId, newFileDeadLetterStore, type DeadLetter } from './dead-letter.store';

function entry(seq: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  const envelope = JSON.stringify({ reading: { deviceId: 'd1', seq }, signature: 'sig' });
  return {
    id: deadLetterId(envelope),
    deviceId: 'd1',
    seq,
    topic: 'provena/v1/devices/d1/readings',
    envelope,
    reason: { code: 'INTERNAL', message: 'boom' },
    firstAttemptAt: '2025-01-01T00:00:00.000Z',
    lastAttemptAt: '2025-01-01T00:00:01.000Z',
    attempts: 3,
    ...overrides,
  };
}

const folder = (): string => mkdtempSync(join(tmpdir(), 'provena-dead-letters-'));

describe('file dead-letter store', () => {
  it('keeps what it stored and removed across a reopen', async () => {
    const directory = folder();
    const store = newFileDeadLetterStore({ directory, maxEntries: 10 });
    expect(await store.put([entry(1), entry(2), entry(3)])).toBe('stored');
    await store.remove([entry(2).id]);
    const reopened = newFileDeadLetterStore({ directory, maxEntries: 10 });
    await reopened.ready();
    expect(reopened.size).toBe(2);
    expect((await reopened.list(10)).items).toEqual([entry(1), entry(3)]);
  });

  it('updates an entry put again (a redelivery) instead of holding it twice', async () => {
    const store = newFileDeadLetterStore({ directory: folder(), maxEntries: 10 });
    await store.put([entry(1)]);
    await store.put([
      entry(1, {
        lastAttemptAt: '2025-01-02T00:00:00.000Z',
        attempts: 2,
        reason: { code: 'X', message: 'y' },
      }),
    ]);
    expect((await store.list(10)).items).toEqual([
      entry(1, {
        lastAttemptAt: '2025-01-02T00:00:00.000Z',
        attempts: 5,
        reason: { code: 'X', message: 'y' },
      }),
    ]);
  });

  it('refuses new entries beyond its maximum, writing none of them', async () => {
    const directory = folder();
    const store = newFileDeadLetterStore({ directory, maxEntries: 2 });
    expect(await store.put([entry(1)])).toBe('stored');
    expect(await store.put([entry(2), entry(3)])).toBe('full');
    expect(store.size).toBe(1);
    expect(await store.put([entry(1), entry(2)])).toBe('stored'); // entry 1 is already held
    expect(store.size).toBe(2);
  });

  it('pages oldest first with a bookmark that survives removals', async () => {
    const store = newFileDeadLetterStore({ directory: folder(), maxEntries: 10 });
    await store.put([1, 2, 3, 4, 5].map((seq) => entry(seq)));
    const first = await store.list(2);
    expect(first.items.map((e) => e.seq)).toEqual([1, 2]);
    await store.remove([entry(2).id, entry(3).id]);
    const second = await store.list(2, first.bookmark);
    expect(second.items.map((e) => e.seq)).toEqual([4, 5]);
    expect(second.bookmark).toBe('');
  });

  it('skips a torn last line (a crash mid-append) and appends cleanly after it', async () => {
    const directory = folder();
    const store = newFileDeadLetterStore({ directory, maxEntries: 10 });
    await store.put([entry(1)]);
    appendFileSync(join(directory, 'dead-letters.jsonl'), '{"put":{"id":"ab');
    const reopened = newFileDeadLetterStore({ directory, maxEntries: 10 });
    await reopened.put([entry(2)]);
    const again = newFileDeadLetterStore({ directory, maxEntries: 10 });
    expect((await again.list(10)).items.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('stops at a corrupt line in the middle, naming the file', async () => {
    const directory = folder();
    appendFileSync(join(directory, 'dead-letters.jsonl'), 'not json\n');
    const store = newFileDeadLetterStore({ directory, maxEntries: 10 });
    await expect(store.ready()).rejects.toThrow(/dead-letters\.jsonl is corrupt at line 1/);
  });

  it('compacts the file once removals outnumber the live entries', async () => {
    const directory = folder();
    const store = newFileDeadLetterStore({ directory, maxEntries: 2000 });
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 400 }, (_, i) => entry(round * 400 + i + 1));
      await store.put(batch);
      await store.remove(batch.map((e) => e.id));
    }
    await store.put([entry(9999)]);
    const lines = readFileSync(join(directory, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(1100);
    const reopened = newFileDeadLetterStore({ directory, maxEntries: 2000 });
    expect((await reopened.list(10)).items.map((e) => e.seq)).toEqual([9999]);
  });
});
