import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeBasePort, networkScript } from '../support/fabric-network.harness';

/**
 * Brings one network up for the whole tier, on a free block of ports and in a folder of its own, and tells the
 * test files where through the environment (Jest's workers inherit it).
 */
// Jest takes the global setup as the module's default export.
// eslint-disable-next-line no-restricted-syntax
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'provena-fabric-'));
  const basePort = await freeBasePort();
  const started = Date.now();
  networkScript(dir, basePort, 'up');
  process.stdout.write(
    `\n[fabric tier] network up in ${dir} on base port ${basePort} (${Date.now() - started} ms)\n`,
  );
  process.env.PROVENA_TEST_NETWORK_DIR = dir;
  process.env.PROVENA_TEST_NETWORK_BASE_PORT = String(basePort);
}
