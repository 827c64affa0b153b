import { networkScript } from '../support/fabric-network.harness';

/** Stops every process the setup started and removes the ledgers (PROVENA_TEST_KEEP_NETWORK=1 keeps them to look at). */
// Jest takes the global teardown as the module's default export.
// eslint-disable-next-line no-restricted-syntax
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.PROVENA_TEST_NETWORK_DIR;
  const basePort = Number(process.env.PROVENA_TEST_NETWORK_BASE_PORT);
  if (!dir) return;
  if (process.env.PROVENA_TEST_KEEP_NETWORK === '1') {
    networkScript(dir, basePort, 'down');
    process.stdout.write(`[fabric tier] network stopped; its folder is kept: ${dir}\n`);
    return;
  }
  networkScript(dir, basePort, 'down', '--wipe');
}
