import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendFileDurably,
  createFileDurably,
  readJsonIfExists,
  replaceFileDurably,
  writeJsonDurably,
} from './index';

describe('durable files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-durable-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces a file whole, with exactly the mode asked for, and leaves no temporary file', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, 'old');
    const umask = process.umask(0o077);
    try {
      await replaceFileDurably(path, 'new', 0o640);
    } finally {
      process.umask(umask);
    }
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('creates a file only where none exists, never over one', async () => {
    const path = join(dir, 'key.pem');
    expect(await createFileDurably(path, 'first')).toBe(true);
    expect(await createFileDurably(path, 'second')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('first');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['key.pem']);
  });

  it('fails without leaving a temporary file when the folder is missing', async () => {
    await expect(replaceFileDurably(join(dir, 'no', 'such.json'), 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes JSON into a folder it creates, and reads it back (undefined when absent)', async () => {
    const path = join(dir, 'a', 'b', 'checkpoint.json');
    expect(await readJsonIfExists(path)).toBeUndefined();
    await writeJsonDurably(path, { blockNumber: '12' });
    expect(await readJsonIfExists(path)).toEqual({ blockNumber: '12' });
  });

  it('appends', async () => {
    const path = join(dir, 'log.ndjson');
    await appendFileDurably(path, 'a\n');
    await appendFileDurably(path, 'b\n');
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
  });
});
