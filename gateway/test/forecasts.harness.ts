import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  publishOnce,
  readForecastingStatus,
  startForecasting,
  type ForecastingStatus,
  type ForecastLedgerPort,
  type PublishSummary,
} from '@provena/forecasting';
import { testNetwork } from '../../test/support/fabric-network.harness';
import { until } from './ingest.harness';
import { LEDGER_PATIENCE_MS, ON_FABRIC, type LedgerUnderTest } from './ledger-under-test';

const REPO = resolve(__dirname, '../..');
const MAIN = join(REPO, 'forecasting/dist/main.js');

/** Crons far from now: the tests decide when a run happens (`publish`), as an operator would after an import. */
const NEVER = '0 0 0 1 1 *';

/**
 * The forecasting service as the tests drive it. On Fabric it is its own process (`node forecasting/dist/main.js`,
 * what `npm run forecasting` runs) with its own identity, issued by `scripts/forecasting-identity.sh`; on the
 * in-memory double, which lives in the test's process, the same entry points run in process.
 */
export interface ForecastingUnderTest {
  readonly directory: string;
  /** The service follows the ledger until its saved checkpoint satisfies `ready`, then stops (SIGTERM). */
  follow(ready: (status: ForecastingStatus) => boolean, timeoutMs: number): Promise<void>;
  /** `provena-forecasting publish [--all]`: resume from the checkpoint, publish, stop. */
  publish(options?: { all?: boolean }): Promise<PublishSummary>;
  /** Transactions the service submitted in this process (the double only: on Fabric they are its own). */
  readonly submittedInProcess: () => number;
  /** Stops whatever still runs (a test that failed half way). */
  cleanup(): Promise<void>;
}

export function newForecastingUnderTest(directory: string, ledger: LedgerUnderTest): ForecastingUnderTest {
  return ON_FABRIC ? forecastingProcess(directory) : forecastingInProcess(directory, ledger);
}

function forecastingProcess(directory: string): ForecastingUnderTest {
  const net = testNetwork();
  const issued = spawnSync('bash', [join(REPO, 'scripts/forecasting-identity.sh')], {
    env: { ...process.env, PROVENA_NETWORK_DIR: net.dir },
    encoding: 'utf8',
  });
  if (issued.status !== 0)
    throw new Error(`forecasting-identity.sh failed:\n${issued.stdout}${issued.stderr}`);
  const env = {
    PATH: process.env.PATH ?? '',
    PROVENA_FABRIC_CONNECTION: net.connectionFile,
    PROVENA_FORECAST_DIR: directory,
    PROVENA_FORECAST_RETRAIN_CRON: NEVER,
    PROVENA_FORECAST_UPDATE_CRON: NEVER,
  };
  const log = join(directory, '..', 'forecasting.log');
  const children = new Set<ChildProcess>();
  const run = (
    args: string[],
  ): { child: ChildProcess; stdout: Promise<string>; exit: Promise<number | null> } => {
    const out = openSync(log, 'a');
    // `serve` logs on stdout; `publish` keeps stdout for its summary and logs on stderr.
    const stdout = args[0] === 'serve' ? out : 'pipe';
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', stdout, out] });
    closeSync(out); // the child holds its own copy
    children.add(child);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exit = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        children.delete(child);
        done(code);
      }),
    );
    return { child, stdout: exit.then(() => Buffer.concat(chunks).toString('utf8')), exit };
  };
  const failure = (what: string): Error =>
    new Error(
      `${what}; the end of its log (${log}):\n${readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`,
    );
  return {
    directory,
    async follow(ready, timeoutMs) {
      const serve = run(['serve']);
      let exited = false;
      void serve.exit.then(() => (exited = true));
      const deadline = Date.now() + timeoutMs;
      // Not `until`: a service that exits must fail the test now, not at the timeout.
      while (!ready(await readForecastingStatus(directory))) {
        if (exited || Date.now() > deadline) {
          serve.child.kill('SIGKILL');
          throw failure(
            exited ? 'the forecasting service exited' : 'its checkpoint did not get there in time',
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      serve.child.kill('SIGTERM');
      const code = await serve.exit;
      if (code !== 0) throw failure(`the forecasting service stopped with ${code} on SIGTERM`);
    },
    async publish(options = {}) {
      const once = run(['publish', ...(options.all ? ['--all'] : [])]);
      const code = await once.exit;
      if (code !== 0) throw failure(`provena-forecasting publish exited with ${code}`);
      return JSON.parse((await once.stdout).trim().split('\n').pop()!) as PublishSummary;
    },
    submittedInProcess: () => 0,
    async cleanup() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

function forecastingInProcess(directory: string, ledger: LedgerUnderTest): ForecastingUnderTest {
  let submitted = 0;
  // Its own port onto the double, so the test can tell the service's transactions from the gateway's.
  const port: ForecastLedgerPort = {
    submit: (actor, fn, args) => {
      submitted++;
      return ledger.submit(actor, fn, args);
    },
    evaluate: (actor, fn, args) => ledger.evaluate(actor, fn, args),
    openEvents: (start) => ledger.openEvents(start),
    lastEventPosition: () => ledger.lastEventPosition!(),
  };
  const config = {
    directory,
    retrainCron: NEVER,
    updateCron: NEVER,
    horizonDays: 14,
    minHistoryDays: 56,
    actor: { org: 'ProducerMSP', role: 'operator' as const },
    maintenanceThresholdHours: 24,
    maintenanceMinFailures: 3,
  };
  return {
    directory,
    async follow(ready, timeoutMs) {
      const app = await startForecasting(config, port, { schedule: true });
      try {
        await until(async () => ready(await readForecastingStatus(directory)), timeoutMs);
      } finally {
        await app.close();
      }
    },
    publish: (options = {}) =>
      publishOnce(config, port, {
        all: options.all ?? false,
        quietMs: 500,
        catchUpTimeoutMs: LEDGER_PATIENCE_MS,
      }),
    submittedInProcess: () => submitted,
    cleanup: async () => undefined,
  };
}
