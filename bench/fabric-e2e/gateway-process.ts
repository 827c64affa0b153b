import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGatewayConfig } from '@provena/gateway/dist/config/gateway-config';
import { scrape, sumOf, type PrometheusSample } from './prometheus-text';

/** The batch settings a gateway run used; unset ones are the gateway's defaults. */
export interface IngestSettings {
  readonly batchSize?: number;
  readonly batchWindowMs?: number;
  readonly maxConcurrentBatches?: number;
}

/** What the gateway really ran with (its own config loader, on the same environment). */
export interface EffectiveIngestSettings {
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly maxConcurrentBatches: number;
  readonly maxInFlight: number;
  readonly maxConcurrentSubmits: number;
  readonly conflictRetries: number;
}

/** The gateway as its own process (`node gateway/dist/main.js`), as scripts/main.sh starts it. */
export interface GatewayProcess {
  readonly url: string;
  readonly pid: number;
  readonly settings: EffectiveIngestSettings;
  metrics(): Promise<GatewayCounters>;
  stop(): Promise<void>;
}

/** The gateway's /metrics counters the benchmark reads (cumulative since the process started). */
export interface GatewayCounters {
  readonly received: number;
  readonly accepted: number;
  /** Readings the chaincode answered `duplicate` (a redelivery of one already on the ledger). */
  readonly duplicates: number;
  readonly refused: number;
  readonly transactions: number;
  readonly batchReadings: number;
  readonly retries: Readonly<Record<string, number>>;
  readonly inFlight: number;
  /** Transactions sent to the orderers again for want of a commit status. */
  readonly transactionsResent: number;
}

export function countersOf(samples: readonly PrometheusSample[]): GatewayCounters {
  const retries: Record<string, number> = {};
  for (const s of samples) {
    if (s.name === 'provena_ingest_retries_total') retries[s.labels.code ?? '?'] = s.value;
  }
  return {
    received: sumOf(samples, 'provena_readings_received_total'),
    accepted: sumOf(samples, 'provena_readings_recorded_total', (l) => l.outcome === 'accepted'),
    duplicates: sumOf(samples, 'provena_readings_recorded_total', (l) => l.outcome === 'duplicate'),
    refused: sumOf(samples, 'provena_readings_refused_total'),
    transactions: sumOf(samples, 'provena_ingest_batch_size_count'),
    batchReadings: sumOf(samples, 'provena_ingest_batch_size_sum'),
    retries,
    inFlight: sumOf(samples, 'provena_ingest_in_flight'),
    transactionsResent: sumOf(samples, 'provena_ledger_transactions_resent_total'),
  };
}

/** Creates an API key in the gateway's key file with its own command (`keys create`); returns the key. */
export function createApiKey(root: string, keysFile: string, role: string, org: string): string {
  const out = spawnSync(
    process.execPath,
    [join(root, 'gateway/dist/main.js'), 'keys', 'create', '--role', role, '--org', org, '--label', 'bench'],
    { env: { ...process.env, PROVENA_API_KEYS_FILE: keysFile }, encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`gateway keys create failed: ${out.stderr}`);
  return out.stdout.trim();
}

export interface GatewayStartOptions {
  readonly root: string;
  readonly dir: string;
  readonly connectionFile: string;
  readonly mqttUrl: string;
  readonly httpPort: number;
  readonly keysFile: string;
  readonly ingest: IngestSettings;
  readonly log: string;
}

/** Children started here, killed if the benchmark exits without stopping them. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * Starts the gateway and waits until /ready (broker session up, Fabric answering).
 * @throws Error with the end of its log when it exits or is not ready within 90 s.
 */
export async function startGateway(o: GatewayStartOptions): Promise<GatewayProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PROVENA_FABRIC_CONNECTION: o.connectionFile,
    PROVENA_INGEST_ORG: 'ProducerMSP',
    PROVENA_FORECASTING: 'off',
    PROVENA_MQTT_URL: o.mqttUrl,
    // The same client id on every start: the broker keeps one session (and one subscription) for the gateway,
    // rather than queueing every reading for a gateway process that is gone.
    PROVENA_MQTT_CLIENT_ID: 'provena-gateway-bench',
    PROVENA_HTTP_PORT: String(o.httpPort),
    PROVENA_API_KEYS_FILE: o.keysFile,
    PROVENA_EVENTS_CHECKPOINT_FILE: join(o.dir, 'gateway-events.checkpoint.json'),
    // Reading the ledger back after each step is hundreds of REST calls a minute.
    PROVENA_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  for (const name of [
    'PROVENA_INGEST_BATCH_SIZE',
    'PROVENA_INGEST_BATCH_WINDOW_MS',
    'PROVENA_INGEST_MAX_CONCURRENT_BATCHES',
  ]) {
    delete env[name];
  }
  if (o.ingest.batchSize !== undefined) env.PROVENA_INGEST_BATCH_SIZE = String(o.ingest.batchSize);
  if (o.ingest.batchWindowMs !== undefined)
    env.PROVENA_INGEST_BATCH_WINDOW_MS = String(o.ingest.batchWindowMs);
  if (o.ingest.maxConcurrentBatches !== undefined) {
    env.PROVENA_INGEST_MAX_CONCURRENT_BATCHES = String(o.ingest.maxConcurrentBatches);
  }
  // The gateway's own loader on the same environment: what it runs with, defaults included, for the report.
  const config = loadGatewayConfig(env);
  const settings: EffectiveIngestSettings = {
    batchSize: config.ingest.batchSize,
    batchWindowMs: config.ingest.batchWindowMs,
    maxConcurrentBatches: config.ingest.maxConcurrentBatches,
    maxInFlight: config.ingest.maxInFlight,
    maxConcurrentSubmits: config.fabric.maxConcurrentSubmits,
    conflictRetries: config.fabric.conflictRetries,
  };

  const logFd = openSync(o.log, 'a');
  const child = spawn(process.execPath, [join(o.root, 'gateway/dist/main.js')], {
    env,
    cwd: o.dir,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  started.add(child);
  const exited = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      started.delete(child);
      resolveExit();
    }),
  );
  const url = `http://127.0.0.1:${o.httpPort}`;
  const tail = (): string => readFileSync(o.log, 'utf8').split('\n').slice(-20).join('\n');
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the gateway exited while starting; the end of its log (${o.log}):\n${tail()}`);
    }
    try {
      const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
      if (ready.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready within 90 s; the end of its log (${o.log}):\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    settings,
    metrics: async () => countersOf(await scrape(`${url}/metrics`)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
