import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newFileSequenceStore, newMemorySequenceStore } from './sequence-store';

describe('file sequence store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-seq-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts at 1 and increases by one within a process', async () => {
    const seqs = newFileSequenceStore({ directory: dir, blockSize: 3 });
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await seqs.next('dev-1'));
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await seqs.next('dev-2')).toBe(1);
  });

  it('resumes above every number it may have used after a restart', async () => {
    const before = newFileSequenceStore({ directory: dir, blockSize: 100 });
    for (let i = 0; i < 150; i++) await before.next('dev-1');
    const after = newFileSequenceStore({ directory: dir, blockSize: 100 });
    expect(await after.next('dev-1')).toBe(201);
  });

  it('leaves a gap, never a reuse, when the process dies between reserving and using', async () => {
    const crashed = newFileSequenceStore({ directory: dir, blockSize: 1000 });
    expect(await crashed.next('dev-1')).toBe(1);
    // No close, no flush: the next process only has what reached the disk at reservation time.
    const restarted = newFileSequenceStore({ directory: dir, blockSize: 1000 });
    expect(await restarted.next('dev-1')).toBe(1001);
  });

  it('hands out distinct increasing numbers to concurrent callers in one process', async () => {
    const seqs = newFileSequenceStore({ directory: dir, blockSize: 7 });
    const got = await Promise.all(Array.from({ length: 500 }, () => seqs.next('dev-1')));
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(await seqs.reservedThrough('dev-1')).toBe(504);
  });

  it('prepares a device with one reservation and hands out exactly the numbers next() would have', async () => {
    const seqs = newFileSequenceStore({ directory: dir, blockSize: 100 });
    await seqs.prepare('dev-1');
    await seqs.prepare('dev-1'); // nothing left to do: no second block
    expect(await seqs.reservedThrough('dev-1')).toBe(100);
    expect(await seqs.next('dev-1')).toBe(1);
    const restarted = newFileSequenceStore({ directory: dir, blockSize: 100 });
    await restarted.prepare('dev-1');
    expect(await restarted.reservedThrough('dev-1')).toBe(200);
    expect(await restarted.next('dev-1')).toBe(101);
  });

  it('writes the reservation atomically: no temporary file is left behind', async () => {
    const seqs = newFileSequenceStore({ directory: dir, blockSize: 10 });
    await Promise.all(Array.from({ length: 95 }, () => seqs.next('dev-1')));
    expect(await readdir(dir)).toEqual(['dev-1.seq.json']);
    expect(JSON.parse(await readFile(join(dir, 'dev-1.seq.json'), 'utf8'))).toEqual({
      deviceId: 'dev-1',
      reservedThrough: 100,
    });
  });

  it('refuses a corrupt sequence file instead of guessing', async () => {
    await writeFile(join(dir, 'dev-1.seq.json'), '{"deviceId":"dev-1","reservedThrough":"lots"}');
    await expect(newFileSequenceStore({ directory: dir }).next('dev-1')).rejects.toMatchObject({
      code: 'SEQUENCE_STORE_FAILED',
    });
  });

  it('memory store counts from 1 per device', async () => {
    const seqs = newMemorySequenceStore();
    expect([await seqs.next('a'), await seqs.next('a'), await seqs.next('b')]).toEqual([1, 2, 1]);
  });
});
