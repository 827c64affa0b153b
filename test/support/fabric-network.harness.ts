import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ephemeralPortRange, isFree, TEST_PORTS_FROM } from './local-ports';

/** The repository's network script, driven as a user drives it. */
const NETWORK_SH = resolve(__dirname, '../../network/network.sh');

/** What the network writes for its clients (network/lib/topology.mjs, `connectionFile`). */
export interface ConnectionSettings {
  readonly channel: string;
  readonly chaincode: string;
  readonly organisations: Readonly<Record<string, { peerEndpoint: string; peerTlsCaPath: string }>>;
  readonly identities: readonly {
    mspId: string;
    role: 'admin' | 'operator' | 'auditor';
    certPath: string;
    keyPath: string;
  }[];
}

/** A network brought up by the Fabric tier's global setup (test/fabric/global-setup.js). */
export interface TestNetwork {
  readonly dir: string;
  readonly basePort: number;
  readonly connectionFile: string;
  readonly connection: ConnectionSettings;
}

/**
 * The network the Fabric tier's global setup started, from the variables it exported.
 * @throws Error when the test runs outside that tier (no network to talk to).
 */
export function testNetwork(): TestNetwork {
  const dir = process.env.PROVENA_TEST_NETWORK_DIR;
  const basePort = Number(process.env.PROVENA_TEST_NETWORK_BASE_PORT);
  if (!dir || !Number.isInteger(basePort)) {
    throw new Error(
      'no test network: run this file through the Fabric tier (jest -c test/fabric/jest.config.js), ' +
        'whose global setup brings one up',
    );
  }
  const connectionFile = join(dir, 'connection.json');
  if (!existsSync(connectionFile)) throw new Error(`the test network wrote no ${connectionFile}`);
  return {
    dir,
    basePort,
    connectionFile,
    connection: JSON.parse(readFileSync(connectionFile, 'utf8')) as ConnectionSettings,
  };
}

/** Runs `network/network.sh <args>` on the test network's folder; throws with its output when it fails. */
export function networkScript(dir: string, basePort: number, ...args: string[]): string {
  const result = spawnSync('bash', [NETWORK_SH, ...args], {
    env: { ...process.env, PROVENA_NETWORK_DIR: dir, PROVENA_NETWORK_BASE_PORT: String(basePort) },
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    throw new Error(`network.sh ${args.join(' ')} exited with ${result.status}:\n${output}`);
  }
  return output;
}

/** The pid network.sh recorded for one of its nodes (e.g. `peer0-producer`). */
export function nodePid(dir: string, node: string): number {
  return Number(readFileSync(join(dir, 'run', `${node}.pid`), 'utf8').trim());
}

/**
 * A base port whose whole block (the network uses base … base+59) is free now, away from the default 7050 so that
 * a developer's own network keeps running beside the tests, and below the kernel's ephemeral range: a port there
 * that is free when checked can be taken a moment later as the local end of any outgoing connection (the network's
 * own gossip and clients make many), and a node that then binds it fails with EADDRINUSE.
 */
export async function freeBasePort(blockSize = 60): Promise<number> {
  const lowest = TEST_PORTS_FROM;
  const highest = ephemeralPortRange().low - blockSize;
  const blocks = Math.floor((highest - lowest) / 100) + 1;
  if (blocks < 1) throw new Error(`no room for a block of ${blockSize} ports below the ephemeral range`);
  const offset = Math.floor(Math.random() * blocks);
  for (let i = 0; i < blocks; i++) {
    const base = lowest + ((offset + i) % blocks) * 100;
    let free = true;
    for (let port = base; port < base + blockSize && free; port++) free = await isFree(port);
    if (free) return base;
  }
  throw new Error(`no free block of ${blockSize} ports between ${lowest} and ${highest + blockSize}`);
}
