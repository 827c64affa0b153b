import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The figures of bench/baselines.bench.ts this report sets its own beside. */
export interface Baselines {
  readonly generatedAt: string;
  /** Whether baselines ran as part of this same `npm run bench` (else this benchmark ran it just now). */
  readonly source: 'this npm run bench' | 'run by this benchmark';
  readonly machine: string;
  /** P-256 verifications per second on one core (node:crypto, cached key). */
  readonly anchorVerifiesPerSecond: number;
  /** The wire package's whole signature check per second on one core. */
  readonly readingChecksPerSecond: number;
  /** Mosquitto, QoS 1, Provena's settings, one publisher and one subscriber: median delivered msg/s. */
  readonly mqttMessagesPerSecond: number;
  readonly mqttLatencyMs: { readonly p50: number; readonly p99: number };
  readonly mqttLost: number;
  readonly mqttDuplicates: number;
}

interface BaselinesReport {
  generatedAt: string;
  machine: string;
  anchor: { cases: { name: string; opsPerSecond: number }[] };
  broker: {
    runs: { lost: number; duplicates: number }[];
    median: { messagesPerSecond: number; p50: number; p99: number };
  };
}

/**
 * The baselines report of this `npm run bench` (its script exports BENCH_RUN_STARTED, seconds since the epoch,
 * before anything runs). Run standalone, or with a report older than that, this runs bench/baselines.bench.js
 * itself first, so the figures always come from the same run as the Fabric ones.
 */
export function baselinesOfThisRun(root: string): Baselines {
  const file = join(root, 'reports', 'bench-baselines.json');
  const runStarted = Number(process.env.BENCH_RUN_STARTED);
  const fresh = (): boolean =>
    existsSync(file) &&
    Number.isFinite(runStarted) &&
    Date.parse((JSON.parse(readFileSync(file, 'utf8')) as BaselinesReport).generatedAt) >= runStarted * 1000;
  let source: Baselines['source'] = 'this npm run bench';
  if (!fresh()) {
    source = 'run by this benchmark';
    process.stderr.write('running bench/baselines.bench.js (no baselines report from this run)...\n');
    const run = spawnSync(process.execPath, [join(root, 'bench/bench-dist/bench/baselines.bench.js')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`bench/baselines.bench.js exited with ${run.status}`);
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as BaselinesReport;
  const ops = (name: string): number => {
    const found = report.anchor.cases.find((c) => c.name === name);
    if (!found) throw new Error(`${file} has no anchor case "${name}"`);
    return found.opsPerSecond;
  };
  return {
    generatedAt: report.generatedAt,
    source,
    machine: report.machine,
    anchorVerifiesPerSecond: ops('anchor: P-256 verify'),
    readingChecksPerSecond: ops('verifyReadingSignature'),
    mqttMessagesPerSecond: report.broker.median.messagesPerSecond,
    mqttLatencyMs: { p50: report.broker.median.p50, p99: report.broker.median.p99 },
    mqttLost: report.broker.runs.reduce((sum, r) => sum + r.lost, 0),
    mqttDuplicates: report.broker.runs.reduce((sum, r) => sum + r.duplicates, 0),
  };
}

/**
 * P-256 verifications Fabric makes per transaction on this network: each endorsing peer checks the proposal's
 * signature (2), the orderer the envelope's (1), each of the three committing peers the creator's signature and
 * both endorsements (3 × 3), the submitting peer the signed commit-status request (1). Block signatures (one
 * verification per peer per block) are left out: a block holds many transactions.
 */
export const VERIFIES_PER_TRANSACTION = 13;
/** Per reading in Provena: the gateway's edge check, then the chaincode on each endorsing peer. */
export const VERIFIES_PER_READING = 3;

/** The crypto ceiling: readings/s if every core did nothing but these verifications at the anchor's rate. */
export interface CryptoCeiling {
  readonly readingsPerTransaction: number;
  readonly provena: number;
  readonly raw: number;
}

export function cryptoCeiling(anchorPerSecond: number, cores: number, batch: number): CryptoCeiling {
  const budget = anchorPerSecond * cores;
  return {
    readingsPerTransaction: batch,
    provena: Math.round(budget / (VERIFIES_PER_READING + VERIFIES_PER_TRANSACTION / batch)),
    raw: Math.round(budget / (VERIFIES_PER_TRANSACTION / batch)),
  };
}
