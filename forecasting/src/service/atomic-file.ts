import { writeJsonDurably } from '@provena/wire';

export { readJsonIfExists } from '@provena/wire';

/**
 * Writes JSON durably (temporary file, fsync, rename, folder fsync; see the wire package's durable-files): a
 * crash leaves the old or the new file, never a torn one, and the new one survives a power loss.
 */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeJsonDurably(path, value, 0o640);
}
