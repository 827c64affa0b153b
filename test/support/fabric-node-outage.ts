import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { networkScriptFailure, nodePid, type TestNetwork } from './fabric-network.harness';

const NETWORK_SH = resolve(__dirname, '../../network/network.sh');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Kills one node of the test network as a crash does (SIGKILL, no chance to finish anything) and waits until the
 * process is gone. {@link resumeNetwork} brings it back on the same ports, from its ledger on disk.
 * @example await killNode(net, 'peer0-producer');
 * @throws Error when the process outlives the kill by 10 s.
 */
export async function killNode(net: TestNetwork, node: string): Promise<void> {
  const pid = nodePid(net.dir, node);
  process.kill(pid, 'SIGKILL');
  for (const deadline = Date.now() + 10_000; alive(pid);) {
    if (Date.now() > deadline) throw new Error(`${node} (pid ${pid}) still runs 10 s after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `network/network.sh up` on the test network, as a child process that leaves the event loop free (the
 * harness's `networkScript` blocks it, which would freeze a gateway running in the test's own process): it starts
 * every stopped node again and waits for their health endpoints.
 * @throws Error with the script's output when it fails.
 */
export async function resumeNetwork(net: TestNetwork): Promise<string> {
  const child = spawn('bash', [NETWORK_SH, 'up'], {
    env: {
      ...process.env,
      PROVENA_NETWORK_DIR: net.dir,
      PROVENA_NETWORK_BASE_PORT: String(net.basePort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', done);
  });
  if (code !== 0) throw networkScriptFailure(net.dir, ['up'], code, output);
  return output;
}
