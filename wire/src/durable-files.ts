import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The one way Provena's stores write a file (sequence numbers, API keys, event checkpoints, dead letters,
 * forecasts). Replaces `path` with `content` so that a crash at any moment leaves the old file or the new one, never a torn
 * one, and the new one survives a power loss once this resolves: write a temporary file, fsync it, rename it over
 * the old one, fsync the folder (the rename itself lives in the folder's entries).
 *
 * @throws the file system's error; the temporary file is removed.
 */
export async function replaceFileDurably(
  path: string,
  content: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const temp = await writeTemporary(path, content, mode);
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncFolder(dirname(path));
}

/**
 * Creates `path` with `content`, whole or not at all, and never over an existing file: written and fsynced under a
 * temporary name, then hard-linked to `path` (which fails if `path` exists), the folder fsynced.
 *
 * @returns false when `path` existed already (it is left untouched).
 * @throws the file system's error; the temporary file is removed.
 */
export async function createFileDurably(
  path: string,
  content: string | Uint8Array,
  mode = 0o600,
): Promise<boolean> {
  const temp = await writeTemporary(path, content, mode);
  let created = true;
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    await rm(temp, { force: true });
  }
  if (created) await syncFolder(dirname(path));
  return created;
}

/** Writes and fsyncs `content` to a new temporary file beside `path`; returns its name. */
async function writeTemporary(path: string, content: string | Uint8Array, mode: number): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // The umask can only narrow the mode open() was given; chmod makes it exact (rename and link keep it).
      await handle.chmod(mode);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return temp;
}

/**
 * Appends `content` to `path` and fsyncs it before resolving. A file created by this call also has its folder
 * fsynced, so the new entry is not lost with the folder's entry for it.
 */
export async function appendFileDurably(path: string, content: string, mode = 0o600): Promise<void> {
  let created = false;
  let handle;
  try {
    handle = await open(path, 'ax', mode);
    created = true;
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    handle = await open(path, 'a', mode);
  }
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncFolder(dirname(path));
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** {@link replaceFileDurably} with JSON, creating the folder first. */
export async function writeJsonDurably(path: string, value: unknown, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await replaceFileDurably(path, JSON.stringify(value), mode);
}

/** Reads JSON, or `undefined` when the file does not exist. */
export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}
