import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scrape, sumOf } from './prometheus-text';

/** The benchmark's own network: network/network.sh on a free block of ports in a temporary folder. */
export interface BenchNetwork {
  readonly dir: string;
  readonly basePort: number;
  readonly connectionFile: string;
  /** As network.sh up reports it (install-fabric.sh's FABRIC_VERSION). */
  readonly fabricVersion: string;
  /** The version network.sh gave Provena's chaincode: a hash of the built files its servers run. */
  readonly chaincodeVersion: string;
  /** What network.sh recorded for this network (network.env): the settings every run used. */
  readonly settings: { readonly orderers: number; readonly batchTimeout: string };
  /** Every node network.sh runs, by name (orderer1, peer0-producer, chaincode-producer-raw, ...): pid now. */
  pids(): Map<string, number>;
  /** Transactions the producer's peer validated, by chaincode and validation code (cumulative). */
  validations(): Promise<ValidationCounts>;
  /** The producer peer's block height of the channel. */
  height(): Promise<number>;
}

/** `<chaincode name>` → `<validation code>` → transactions. */
export type ValidationCounts = Map<string, Map<string, number>>;

/** One row of `netctl.mjs nodes`. */
interface NodeRow {
  kind: string;
  name: string;
  port: number;
  opsPort: number;
}

/** Runs network/network.sh with the network's folder and ports; its progress goes to stderr, prefixed. */
export function networkScript(
  root: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  timeoutMs = 15 * 60_000,
): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', [join(root, 'network/network.sh'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const forward = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') process.stderr.write(`  ${line}\n`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(output);
      else
        reject(
          new Error(`network.sh ${args.join(' ')} exited with ${code ?? signal}:\n${output.slice(-3000)}`),
        );
    });
  });
}

export function networkEnv(dir: string, basePort: number, batchTimeout: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PROVENA_NETWORK_DIR: dir,
    PROVENA_NETWORK_BASE_PORT: String(basePort),
    PROVENA_NETWORK_BATCH_TIMEOUT: batchTimeout,
    // all-members (the default, both members endorse every write) or any-member: the policy trade-off of issue 14.
    PROVENA_NETWORK_ENDORSEMENT: process.env.BENCH_ENDORSEMENT ?? 'all-members',
    // One orderer: the figures FACTS.md and the README quote are for it.
    PROVENA_NETWORK_ORDERERS: '1',
  };
}

/**
 * Brings the network up and deploys the raw-Fabric baseline chaincode beside Provena's (same channel, same
 * endorsement policy, its own servers for the two endorsing organisations).
 */
export async function startBenchNetwork(
  root: string,
  dir: string,
  basePort: number,
  batchTimeout: string,
): Promise<BenchNetwork> {
  const env = networkEnv(dir, basePort, batchTimeout);
  const up = await networkScript(root, env, ['up']);
  await networkScript(root, env, [
    'deploy',
    '--chaincode',
    'raw',
    '--path',
    join(root, 'bench/raw-chaincode'),
  ]);
  const recorded = Object.fromEntries(
    readFileSync(join(dir, 'network.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const nodes = nodeTable(root, dir, recorded);
  const producerPeer = nodes.find((n) => n.name === 'peer0-producer');
  if (!producerPeer) throw new Error('the network has no peer0-producer');
  const metricsUrl = `http://127.0.0.1:${producerPeer.opsPort}/metrics`;
  return {
    dir,
    basePort,
    connectionFile: join(dir, 'connection.json'),
    fabricVersion: /\] Fabric (\S+) from /.exec(up)?.[1] ?? 'unknown',
    chaincodeVersion: /chaincode provena_([0-9a-f]+)/.exec(up)?.[1] ?? 'unknown',
    settings: { orderers: Number(recorded.NET_ORDERERS), batchTimeout: recorded.NET_BATCH_TIMEOUT ?? '?' },
    pids: () => runningPids(dir),
    async validations() {
      const counts: ValidationCounts = new Map();
      for (const s of await scrape(metricsUrl)) {
        if (s.name !== 'ledger_transaction_count' || s.labels.channel !== 'provena') continue;
        // "provena:<version>" or "raw:<version>"; system chaincodes as "_lifecycle:syscc".
        const chaincode = (s.labels.chaincode ?? 'unknown').split(':')[0]!;
        const code = s.labels.validation_code ?? 'UNKNOWN';
        const byCode = counts.get(chaincode) ?? new Map<string, number>();
        byCode.set(code, (byCode.get(code) ?? 0) + s.value);
        counts.set(chaincode, byCode);
      }
      return counts;
    },
    async height() {
      return sumOf(await scrape(metricsUrl), 'ledger_blockchain_height', (l) => l.channel === 'provena');
    },
  };
}

/** The node table as network.sh reads it (network/lib/netctl.mjs nodes): the one source of the ports. */
function nodeTable(root: string, dir: string, recorded: Record<string, string>): NodeRow[] {
  const out = spawnSync('node', [join(root, 'network/lib/netctl.mjs'), 'nodes'], {
    env: { ...process.env, NET_STATE: dir, ...recorded },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`netctl.mjs nodes failed: ${out.stderr}`);
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [kind = '', name = '', port = '', , opsPort = ''] = line.split('\t');
      return { kind, name, port: Number(port), opsPort: Number(opsPort) };
    });
}

/**
 * The pid files network.sh wrote (`<dir>/run/<node>.pid`), for the processes still running. Like network.sh, a pid
 * counts only while its process carries `PROVENA_NODE=<dir>/<node>` (pids are reused).
 */
function runningPids(dir: string): Map<string, number> {
  const pids = new Map<string, number>();
  const run = join(dir, 'run');
  if (!existsSync(run)) return pids;
  for (const file of readdirSync(run).filter((f) => f.endsWith('.pid'))) {
    const name = file.slice(0, -'.pid'.length);
    const pid = Number(readFileSync(join(run, file), 'utf8').trim());
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`PROVENA_NODE=${dir}/${name}`)) pids.set(name, pid);
    } catch {
      // gone
    }
  }
  return pids;
}

/** Invalid transactions by code between two counts, for one chaincode; and the valid ones. */
export function validationsBetween(
  before: ValidationCounts,
  after: ValidationCounts,
  chaincode: string,
): { valid: number; invalid: Record<string, number> } {
  const invalid: Record<string, number> = {};
  let valid = 0;
  for (const [code, count] of after.get(chaincode) ?? []) {
    const delta = count - (before.get(chaincode)?.get(code) ?? 0);
    if (delta <= 0) continue;
    if (code === 'VALID') valid += delta;
    else invalid[code] = delta;
  }
  return { valid, invalid };
}

/** MVCC_READ_CONFLICT and PHANTOM_READ_CONFLICT together. */
export function conflictsOf(invalid: Readonly<Record<string, number>>): number {
  return (invalid.MVCC_READ_CONFLICT ?? 0) + (invalid.PHANTOM_READ_CONFLICT ?? 0);
}
