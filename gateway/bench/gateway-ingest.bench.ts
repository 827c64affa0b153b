/**
 * The gateway's own ingest ceiling: simulator devices (a separate process, open loop) → Mosquitto with Provena's
 * shipped settings → the gateway's MQTT session, edge check and batching, with the ledger port answering every
 * RecordReadings at once ("accepted"). Not Fabric, and not a test: it says how many readings per second one
 * gateway process takes before the ledger does any work, and what each costs it in CPU. Prints Markdown and
 * writes reports/bench-gateway-ingest.{json,md}.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDeviceIds, openFileKeyStore } from '@provena/iot-simulator';
import { startTestBroker } from '../../test/support/mosquitto.harness';
import { wireIngest } from '../src/ingest/ingest-wiring';
import type { Committed, LedgerPort } from '../src/ledger/ledger.port';

// Compiled to gateway/bench-dist/gateway/bench/.
const ROOT = resolve(__dirname, '../../../..');
const RATES = (process.env.BENCH_RATES ?? '1000,3000,6000').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const DEVICES = 100;
const actor = { org: 'BenchMSP', role: 'operator' } as const;

interface Step {
  targetPerSecond: number;
  sent: number;
  brokerAcknowledged: number;
  recorded: number;
  recordedPerSecond: number;
  meanBatchSize: number;
  transactions: number;
  ackLatencyMs: { p50: number; p95: number; p99: number; max: number };
  gatewayCpuMsPerSecond: number;
  gatewayCpuMicrosPerReading: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

async function main(): Promise<void> {
  const broker = await startTestBroker({ persistence: true });
  const state = mkdtempSync(join(tmpdir(), 'provena-gateway-bench-'));
  const keys = await openFileKeyStore({ directory: join(state, 'keys') });
  const ids = loadDeviceIds(DEVICES, 'bench-');
  const pems = new Map<string, string>();
  for (const id of ids) pems.set(id, await keys.ensureKey(id));

  let recorded = 0;
  const batchSizes: number[] = [];
  const ackLatencies: number[] = [];
  const ledger: LedgerPort = {
    async evaluate<T>(_actor: unknown, fn: string, args: readonly string[]): Promise<T> {
      if (fn !== 'device:GetDevice') throw new Error(`unexpected ${fn}`);
      const deviceId = args[0] as string;
      return { deviceId, status: 'active', keys: [{ publicKeyPem: pems.get(deviceId), fromSeq: 1 }] } as T;
    },
    async submit<T>(_actor: unknown, _fn: string, args: readonly string[]): Promise<Committed<T>> {
      const n = (JSON.parse(args[0] as string) as unknown[]).length;
      batchSizes.push(n);
      recorded += n;
      const verdicts = Array.from({ length: n }, () => ({ status: 'accepted' }));
      return {
        result: { accepted: n, duplicates: 0, refused: 0, verdicts } as T,
        txId: 'bench',
        blockNumber: 1n,
      };
    },
    transactionInfo: () => Promise.reject(new Error('unused')),
    openEvents: () => Promise.reject(new Error('unused')),
    isReachable: async () => true,
    close: async () => undefined,
  };
  const { session } = wireIngest({
    ledger,
    mqtt: {
      url: broker.url,
      clientId: 'gateway-bench',
      shareGroup: null,
      sessionExpirySeconds: 3600,
      keepaliveSeconds: 30,
    },
    // The gateway's defaults (gateway/README.md, Configuration).
    ingest: {
      org: actor.org,
      batchSize: 200,
      batchWindowMs: 50,
      maxConcurrentBatches: 4,
      maxInFlight: 2000,
      maxClockAheadMs: 300_000,
      deviceCacheTtlMs: 600_000,
      retryMinDelayMs: 200,
      retryMaxDelayMs: 5000,
    },
    metrics: {
      received() {},
      refused() {},
      committed() {},
      acknowledged: (ms) => void ackLatencies.push(ms),
      retried() {},
    },
    log: { warn: () => undefined, error: (m) => console.error(m) },
  });
  await session.start();

  const steps: Step[] = [];
  for (const rate of RATES) {
    recorded = 0;
    batchSizes.length = 0;
    ackLatencies.length = 0;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const load = await runLoad(broker.url, state, rate);
    const deadline = Date.now() + 60_000;
    while (recorded < load.acknowledged && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsedS = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const sorted = [...ackLatencies].sort((a, b) => a - b);
    steps.push({
      targetPerSecond: rate,
      sent: load.sent,
      brokerAcknowledged: load.acknowledged,
      recorded,
      recordedPerSecond: Math.round(recorded / Math.max(DURATION_S, elapsedS - 0.5)),
      meanBatchSize: Math.round((recorded / Math.max(1, batchSizes.length)) * 10) / 10,
      transactions: batchSizes.length,
      ackLatencyMs: {
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        p99: quantile(sorted, 0.99),
        max: sorted[sorted.length - 1] ?? NaN,
      },
      gatewayCpuMsPerSecond: Math.round(cpuMs / elapsedS),
      gatewayCpuMicrosPerReading: Math.round((cpuMs * 1000) / Math.max(1, recorded)),
    });
    console.error(`rate ${rate}/s: ${recorded} recorded of ${load.sent} sent`);
  }
  await session.stop();
  await broker.cleanup();

  const markdown = [
    "# Gateway ingest, ledger stubbed (the gateway's own ceiling, not Fabric)",
    '',
    `${DEVICES} simulated devices (separate process) → Mosquitto (shipped settings) → one gateway process (MQTT session, edge check, batches of ≤ 200 / 50 ms, 4 in flight) → a ledger port that accepts every batch at once. ${DURATION_S} s per step; Node ${process.versions.node}.`,
    '',
    '| target/s | sent | recorded | recorded/s | mean batch | ack p50 ms | ack p99 ms | gateway CPU ms/s | gateway CPU µs/reading |',
    '|---|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.targetPerSecond} | ${s.sent} | ${s.recorded} | ${s.recordedPerSecond} | ${s.meanBatchSize} | ${s.ackLatencyMs.p50} | ${s.ackLatencyMs.p99} | ${s.gatewayCpuMsPerSecond} | ${s.gatewayCpuMicrosPerReading} |`,
    ),
    '',
    "ack = a reading's arrival at the gateway to its MQTT acknowledgement (here: the stub's instant answer plus batching).",
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  writeFileSync(
    join(ROOT, 'reports', 'bench-gateway-ingest.json'),
    JSON.stringify({ steps }, null, 2) + '\n',
  );
  writeFileSync(join(ROOT, 'reports', 'bench-gateway-ingest.md'), markdown);
  console.log(markdown);
}

function runLoad(url: string, state: string, rate: number): Promise<{ sent: number; acknowledged: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'iot-simulator/dist/cli.js'),
        'load',
        '--broker',
        url,
        '--devices',
        String(DEVICES),
        '--device-prefix',
        'bench-',
        '--rate',
        String(rate),
        '--duration',
        `${DURATION_S}s`,
        '--state',
        state,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        resolvePromise(JSON.parse(out) as { sent: number; acknowledged: number });
      } catch {
        reject(new Error(`simulator load printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
