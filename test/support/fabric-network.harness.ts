import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
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
  if (result.status !== 0) throw networkScriptFailure(dir, args, result.status, output);
  return output;
}

/**
 * The error for a failed `network.sh` run on the network in `dir`. Why comes first: the script's ERROR to the end
 * (or, where a command failed without one, its last lines), then the end of the log of every node named there, so a
 * CI report that shows only the start of a long message still shows why, though the folder is gone by then. The
 * whole output follows.
 */
export function networkScriptFailure(
  dir: string,
  args: readonly string[],
  code: number | null,
  output: string,
): Error {
  const lines = output.trimEnd().split('\n');
  const firstError = lines.findIndex((line) => line.startsWith('[network] ERROR'));
  const why = lines.slice(firstError >= 0 ? firstError : -6).join('\n');
  // Not the nodes the closing "half up" line lists as running: those named in the error are the ones to read.
  const named = why.replace(/^\[network\] the network is half up.*$/m, '');
  const nodes = new Set(named.match(/\b(?:orderer\d+|peer0-[a-z]+|chaincode-[a-z]+|ca-[a-z]+)\b/g) ?? []);
  const logs = [...nodes].map(
    (node) => `--- the end of ${node}'s log:\n${logTail(join(dir, 'logs', `${node}.log`))}`,
  );
  return new Error(
    [`network.sh ${args.join(' ')} exited with ${code}:`, why, ...logs, '--- its whole output:', output].join(
      '\n',
    ),
  );
}

/** The last lines of a node's log, without the colour codes Fabric writes. */
function logTail(file: string, count = 15): string {
  if (!existsSync(file)) return `(no ${file})`;
  const text = stripVTControlCharacters(readFileSync(file, 'utf8'));
  return text.trimEnd().split('\n').slice(-count).join('\n');
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

/**
 * The orderer (`orderer1`, `orderer2`, …) whose operations endpoint says it leads the channel's Raft cluster, or
 * undefined while none does (an election under way). Orderer n's operations port is base + 10(n-1) + 2
 * (network/lib/topology.mjs).
 */
export async function raftLeader(
  basePort: number,
  orderers: number,
  channel = 'provena',
): Promise<string | undefined> {
  const leads = new RegExp(`^consensus_etcdraft_is_leader\\{channel="${channel}"\\} 1$`, 'm');
  for (let i = 0; i < orderers; i++) {
    const metrics = await fetch(`http://127.0.0.1:${basePort + 10 * i + 2}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    if (leads.test(metrics)) return `orderer${i + 1}`;
  }
  return undefined;
}
