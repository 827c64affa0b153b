import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FabricLedgerAdapter } from '@provena/gateway/dist/ledger/fabric-ledger.adapter';
import {
  loadDeviceIds,
  newLoadSampler,
  summariseLatencies,
  type LatencySummary,
} from '@provena/iot-simulator';
import {
  parseDevicePrivateKey,
  READING_FORMAT_VERSION,
  sealReading,
  type SignedReading,
} from '@provena/wire';
import { conflictsOf, validationsBetween, type BenchNetwork } from './bench-network';
import { cpuBetween, cpuSnapshot } from '../process-cpu';

/** One closed-loop run of `raw:RecordRaw`: `inFlight` workers, each submitting its next batch once the last commits. */
export interface RawRun {
  readonly readingsPerTransaction: number;
  readonly inFlight: number;
  readonly seconds: number;
  readonly transactions: number;
  readonly readingsCommitted: number;
  readonly readingsPerSecond: number;
  /** Submit → commit status of each transaction. */
  readonly transactionLatencyMs: LatencySummary | undefined;
  /** Submits that failed, by the gateway error code the adapter gave. */
  readonly failed: Readonly<Record<string, number>>;
  /** Transactions Fabric marked invalid, by validation code (the producer peer's ledger_transaction_count). */
  readonly invalid: Readonly<Record<string, number>>;
  readonly mvccConflicts: number;
  readonly blocks: number;
  /** CPU seconds per process over the run. */
  readonly cpuSeconds: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
}

const ACTOR = { org: 'ProducerMSP', role: 'operator' } as const;
const DEVICES = 100;

/**
 * Envelopes shaped exactly as the simulator's load devices publish them (same sampler, same id width). One
 * signature per device, made once: raw:RecordRaw checks nothing, and signing every reading here would put the
 * client's signing on the cores Fabric is measured on. Each reading is a copy with its own seq (one key each).
 */
export function newRawEnvelopes(): (count: number) => SignedReading[] {
  const sampler = newLoadSampler('raw');
  const now = Date.now();
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = parseDevicePrivateKey(privateKey);
  const templates = loadDeviceIds(DEVICES, 'raw-device-').map((deviceId) =>
    sealReading({ v: READING_FORMAT_VERSION, deviceId, seq: 1, ...sampler.sample(deviceId, now) }, key),
  );
  let next = 0;
  return (count) =>
    Array.from({ length: count }, () => {
      const k = next++;
      const template = templates[k % DEVICES]!;
      return {
        reading: { ...template.reading, seq: Math.floor(k / DEVICES) + 1, measuredAt: now + k },
        signature: template.signature,
      };
    });
}

export async function runRawFabric(
  ledger: FabricLedgerAdapter,
  network: BenchNetwork,
  envelopes: (count: number) => SignedReading[],
  readingsPerTransaction: number,
  inFlight: number,
  seconds: number,
): Promise<RawRun> {
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  let readingsCommitted = 0;
  const validations0 = await network.validations();
  const height0 = await network.height();
  const cpu0 = cpuSnapshot(network.pids());
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let lastCommit = start;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const batch = JSON.stringify(envelopes(readingsPerTransaction));
      const t0 = performance.now();
      try {
        await ledger.submit(ACTOR, 'raw:RecordRaw', [batch]);
        lastCommit = performance.now();
        latencies.push(lastCommit - t0);
        readingsCommitted += readingsPerTransaction;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        failed[code] = (failed[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = cpuBetween(cpu0, cpuSnapshot(network.pids()));
  const { invalid } = validationsBetween(validations0, await network.validations(), 'raw');
  return {
    readingsPerTransaction,
    inFlight,
    seconds,
    transactions: latencies.length,
    readingsCommitted,
    readingsPerSecond: Math.round(readingsCommitted / ((lastCommit - start) / 1000)),
    transactionLatencyMs: summariseLatencies(latencies.map(Math.round)),
    failed,
    invalid,
    mvccConflicts: conflictsOf(invalid),
    blocks: (await network.height()) - height0,
    cpuSeconds: Object.fromEntries(cpu),
    wallSeconds,
  };
}
