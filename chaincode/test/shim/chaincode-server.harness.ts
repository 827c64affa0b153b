import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canConnect, freePort } from '../../../test/support/local-ports';

/** The chaincode package: `fabric-chaincode-node server` loads `main` (dist/index.js) from its package.json. */
const CHAINCODE_DIR = join(__dirname, '..', '..');
// What the `fabric-chaincode-node` bin runs (package.json "start" uses the bin), started with this Node directly
// so that stopping it stops the chaincode and not an npm or shell wrapper around it.
const SHIM_CLI = join(dirname(require.resolve('fabric-shim/package.json')), 'cli.js');
const MAX_OUTPUT_CHARS = 200_000;

/** A real chaincode-as-a-service process on a free local port. */
export interface ChaincodeServer {
  /** host:port the peer connects to (CCaaS `connection.json` address). */
  readonly address: string;
  /** The package id passed as `--chaincode-id`; the shim registers with the peer under it. */
  readonly chaincodeId: string;
  /** The chaincode process's own id (no npm or shell wrapper), e.g. to read its CPU time in /proc. */
  readonly pid: number | undefined;
  /** What the process printed (stdout and stderr interleaved), to explain a failure. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ChaincodeServerOptions {
  readonly chaincodeId: string;
  /** fabric-shim's log level (CORE_CHAINCODE_LOGGING_LEVEL); default `warning` keeps failed transactions visible. */
  readonly logLevel?: string;
  /** PROVENA_STATE_BATCH for the server: `on` batches reads and writes (src/state-batch.ts). Default off. */
  readonly stateBatch?: 'on' | 'off';
  readonly startTimeoutMs?: number;
  /**
   * The chaincode package to run; default chaincode/, two folders up from this file in test/shim. A compiled copy
   * of this harness elsewhere (the benchmark's) names it.
   */
  readonly packageDir?: string;
}

/** Processes started here, killed if the test process exits without stopping them. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * Starts `fabric-chaincode-node server` on the chaincode's build, as a CCaaS deployment runs it, and waits until it
 * listens.
 * @throws Error when dist/ is missing (run `npm run build`), or the process exits or does not listen in time.
 */
export async function startChaincodeServer(options: ChaincodeServerOptions): Promise<ChaincodeServer> {
  const packageDir = options.packageDir ?? CHAINCODE_DIR;
  if (!existsSync(join(packageDir, 'dist', 'index.js'))) {
    throw new Error('chaincode/dist is missing: run `npm run build` first (test:shim does)');
  }
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [SHIM_CLI, 'server', `--chaincode-address=${address}`, `--chaincode-id=${options.chaincodeId}`],
    {
      cwd: packageDir,
      env: {
        ...process.env,
        CORE_CHAINCODE_LOGGING_LEVEL: options.logLevel ?? 'warning',
        PROVENA_STATE_BATCH: options.stateBatch ?? 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => started.delete(child));
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const server: ChaincodeServer = {
    address,
    chaincodeId: options.chaincodeId,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) {
      throw new Error(`fabric-chaincode-node server exited with ${child.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`fabric-chaincode-node server did not listen on ${address} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return server;
}
