import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `content` so that a crash at any moment leaves the old file or the new one, never a torn
 * one, and the new one survives a power loss once this resolves: write a temporary file, fsync it, rename it over
 * the old one, fsync the folder (the rename itself lives in the folder's entries).
 *
 * @throws the file system's error; the temporary file is removed.
 */
export async function replaceFileDurably(path: string, content: string, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncFolder(dirname(path));
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
