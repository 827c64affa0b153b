import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeviceIds, type LatencySummary } from '@provena/iot-simulator';
import { conflictsOf, validationsBetween, type BenchNetwork } from './bench-network';
import type { EffectiveIngestSettings, GatewayCounters, GatewayProcess } from './gateway-process';
import { countLedgerReadings, type LedgerCount } from './ledger-readback';
import { cpuBetween, cpuSecondsOfStat, cpuSnapshot } from '../process-cpu';

/** What `iot-simulator load --json` prints (the fields the benchmark reads). */
interface LoadReport {
  sent: number;
  acknowledged: number;
  scheduled: number;
  behindSchedule: number;
  achievedRatePerSecond: number;
  notAcknowledged: { total: number };
  refused: { total: number; byCode: Record<string, number> };
  latencyMs?: LatencySummary;
  commit?: { committed: number; notCommitted: number; latencyMs?: LatencySummary };
  connectionLosses: number;
  complete: boolean;
}

/** Everything one step needs that does not change between steps. */
export interface StepContext {
  readonly root: string;
  readonly dir: string;
  readonly network: BenchNetwork;
  readonly brokerUrl: string;
  readonly brokerPid: number;
  readonly auditorKey: string;
  /** The simulator's `--state` (device keys, durable sequence numbers). */
  readonly stateDir: string;
  readonly devices: number;
  readonly devicePrefix: string;
  readonly clients: number;
  readonly commitWaitSeconds: number;
  readonly warmupSeconds: number;
  readonly p99LimitMs: number;
}

export interface EndToEndStep {
  readonly label: string;
  readonly gateway: EffectiveIngestSettings;
  readonly offeredPerSecond: number;
  readonly seconds: number;
  /** What the simulator did. */
  readonly sent: number;
  readonly sentPerSecond: number;
  readonly behindSchedule: number;
  readonly brokerAcknowledged: number;
  readonly refused: number;
  /**
   * Readings committed per second: the lower of (commits from `warmupSeconds` after the first arrival to the end of
   * sending ÷ that time) and (the step's readings on the ledger ÷ the sending time).
   */
  readonly committedPerSecond: number;
  /** Readings committed in the step (read back from the ledger), over the time from first send to last commit. */
  readonly committedOverall: {
    readonly readings: number;
    readonly seconds: number;
    readonly perSecond: number;
  };
  /** Publish (hand-over to the device) → commit seen on the gateway's /events, per reading. */
  readonly publishToCommitMs: LatencySummary | undefined;
  readonly seenCommitted: number;
  readonly notSeenCommitted: number;
  readonly ledger: LedgerCount;
  /** Acknowledged by the broker, not refused, and not on the ledger. */
  readonly lost: number;
  /** On the ledger more than once, or more distinct readings than were sent. */
  readonly duplicated: number;
  /** The chaincode's `duplicate` verdicts: redeliveries answered harmlessly, nothing written twice. */
  readonly redeliveredDuplicates: number;
  readonly transactions: number;
  readonly meanBatchSize: number;
  readonly blocks: number;
  /** Fabric's verdicts on this step's RecordReadings transactions other than VALID. */
  readonly invalid: Readonly<Record<string, number>>;
  readonly mvccConflicts: number;
  /** RecordReadings attempts the gateway retried, by error code (its /metrics). */
  readonly gatewayRetries: Readonly<Record<string, number>>;
  /**
   * Transactions the gateway sent to the orderers again for want of a commit status (its /metrics). With no node
   * failing, each is a commit the gateway took for lost that was only late: one DUPLICATE_TXID copy in a block.
   */
  readonly transactionsResent: number;
  readonly cpuSeconds: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
  /** False when the gateway still held readings `commitWaitSeconds` after the simulator stopped. */
  readonly drained: boolean;
  /** Holds its offered load: ≥ 95 % committed while offered, p99 within the limit, nothing lost or duplicated. */
  readonly holds: boolean;
  /** How it missed its offered load (rate, p99); empty when it held. */
  readonly misses: readonly string[];
  /** What went wrong besides (loss, duplicates, refusals, a sender behind, a backlog left); empty when all is well. */
  readonly problems: readonly string[];
}

const POLL_MS = 500;

/**
 * One step: `iot-simulator load` (its own process) offers `rate` readings/s for `seconds` through the broker to the
 * running gateway and follows its /events until every acknowledged reading is seen committed; then the ledger is
 * read back for the step's time range. CPU of every process from /proc over the step.
 */
export async function runEndToEndStep(
  c: StepContext,
  gateway: GatewayProcess,
  label: string,
  rate: number,
  seconds: number,
): Promise<EndToEndStep> {
  const problems: string[] = [];
  await waitIdle(gateway, c.commitWaitSeconds);
  const pids = new Map(c.network.pids());
  pids.set('gateway', gateway.pid);
  pids.set('mosquitto', c.brokerPid);
  const counters0 = await gateway.metrics();
  const validations0 = await c.network.validations();
  const height0 = await c.network.height();
  const cpu0 = cpuSnapshot(pids);
  const wallStart = Date.now();

  const statFile = join(c.dir, `simulator-${wallStart}.stat`);
  const logFile = join(c.dir, 'simulator.log');
  const args = [
    join(c.root, 'iot-simulator/dist/cli.js'),
    'load',
    '--broker',
    c.brokerUrl,
    '--devices',
    String(c.devices),
    '--device-prefix',
    c.devicePrefix,
    '--clients',
    String(c.clients),
    '--rate',
    String(rate),
    '--duration',
    `${seconds}s`,
    '--state',
    c.stateDir,
    '--gateway',
    gateway.url,
    '--api-key',
    c.auditorKey,
    '--commit-wait',
    `${c.commitWaitSeconds}s`,
    '--json',
  ];
  // The simulator's CPU: its shell reads its own cutime + cstime (the children it waited for) after the
  // simulator exits, which /proc of the simulator itself can no longer give.
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    'sh',
    ['-c', '"$0" "$@"; rc=$?; cat /proc/$$/stat > "$BENCH_STAT_FILE"; exit $rc', process.execPath, ...args],
    { env: { ...process.env, BENCH_STAT_FILE: statFile }, stdio: ['ignore', 'pipe', logFd] },
  );
  closeSync(logFd);
  let stdout = '';
  // stdout is a pipe (stdio above).
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let running = true;
  void exited.then(() => (running = false));

  // The gateway's counters over time: when readings began to arrive, how fast they were committed.
  const samples: { at: number; received: number; accepted: number }[] = [];
  while (running) {
    try {
      const m = await gateway.metrics();
      samples.push({ at: Date.now(), received: m.received, accepted: m.accepted });
    } catch (error) {
      problems.push(`gateway /metrics did not answer during the step: ${String(error)}`);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, POLL_MS))]);
  }
  const exitCode = await exited;
  const cpu = Object.fromEntries(cpuBetween(cpu0, cpuSnapshot(pids)));
  try {
    cpu.simulator = cpuSecondsOfStat(readFileSync(statFile, 'utf8'), true);
    rmSync(statFile);
  } catch {
    problems.push('the simulator left no CPU figure');
  }
  const wallEnd = Date.now();

  let load: LoadReport;
  try {
    load = JSON.parse(stdout) as LoadReport;
  } catch {
    throw new Error(`iot-simulator load (exit ${exitCode}) printed no report; its log: ${logFile}`);
  }
  if (!load.complete) problems.push(`iot-simulator load reports the run incomplete (exit ${exitCode})`);
  if (load.connectionLosses > 0) problems.push(`${load.connectionLosses} simulator MQTT connection losses`);
  if (load.behindSchedule > 0) {
    problems.push(
      `the simulator could not send at ${rate}/s: ${load.behindSchedule} readings behind schedule`,
    );
  }
  // Whatever the simulator gave up waiting for must still land before the ledger is counted.
  const drained = await waitIdle(gateway, c.commitWaitSeconds);
  if (!drained) {
    problems.push(`the gateway still held readings ${c.commitWaitSeconds} s after the step`);
  }
  const counters1 = await gateway.metrics();
  const { invalid } = validationsBetween(validations0, await c.network.validations(), 'provena');
  const blocks = (await c.network.height()) - height0;

  const ledger = await countLedgerReadings(
    gateway.url,
    c.auditorKey,
    loadDeviceIds(c.devices, c.devicePrefix),
    wallStart - 1000,
    Date.now() + 1000,
  );
  const lost = Math.max(0, load.acknowledged - load.refused.total - ledger.distinct);
  const duplicated = ledger.repeated + Math.max(0, ledger.distinct - load.sent);
  if (lost > 0) problems.push(`${lost} readings acknowledged by the broker are not on the ledger`);
  if (duplicated > 0) problems.push(`${duplicated} readings are on the ledger twice (or were never sent)`);
  if (load.refused.total > 0) {
    problems.push(`refused: ${JSON.stringify(load.refused.byCode)} (every load reading should be accepted)`);
  }

  const firstArrival = samples.find((s) => s.received > counters0.received)?.at ?? wallStart;
  const from = firstArrival + c.warmupSeconds * 1000;
  const to = firstArrival + seconds * 1000;
  // In a step that keeps up, the window also takes in the backlog of its first seconds (device-key look-ups of a
  // fresh gateway, the first blocks) and overshoots the offered rate; no step can commit more than it sent.
  const windowRate = (acceptedAt(samples, to) - acceptedAt(samples, from)) / ((to - from) / 1000);
  const committedPerSecond = Math.round(Math.min(windowRate, ledger.distinct / seconds));
  // The first sample holding every commit of the step: the last commit came before it.
  const lastCommit = samples.find((s) => s.accepted >= counters1.accepted)?.at ?? wallEnd;
  const overallSeconds = Math.max(seconds, (Math.max(lastCommit, to) - firstArrival) / 1000);
  const transactions = counters1.transactions - counters0.transactions;
  const publishToCommitMs = wholeMs(load.commit?.latencyMs);
  const p99 = publishToCommitMs?.p99;
  const retries: Record<string, number> = {};
  for (const [code, count] of Object.entries(counters1.retries)) {
    const delta = count - (counters0.retries[code] ?? 0);
    if (delta > 0) retries[code] = delta;
  }
  const holds =
    committedPerSecond >= 0.95 * rate &&
    p99 !== undefined &&
    p99 <= c.p99LimitMs &&
    lost === 0 &&
    duplicated === 0 &&
    (load.commit?.notCommitted ?? 1) === 0;
  const misses: string[] = [];
  if (committedPerSecond < 0.95 * rate) misses.push(`committed ${committedPerSecond}/s of ${rate}/s offered`);
  if (p99 === undefined) misses.push('no reading seen committed');
  else if (p99 > c.p99LimitMs) misses.push(`p99 publish→commit ${p99} ms > ${c.p99LimitMs} ms`);
  return {
    label,
    gateway: gateway.settings,
    offeredPerSecond: rate,
    seconds,
    sent: load.sent,
    sentPerSecond: Math.round(load.achievedRatePerSecond),
    behindSchedule: load.behindSchedule,
    brokerAcknowledged: load.acknowledged,
    refused: load.refused.total,
    committedPerSecond,
    committedOverall: {
      readings: ledger.distinct,
      seconds: Math.round(overallSeconds * 10) / 10,
      perSecond: Math.round(ledger.distinct / overallSeconds),
    },
    publishToCommitMs,
    seenCommitted: load.commit?.committed ?? 0,
    notSeenCommitted: load.commit?.notCommitted ?? load.acknowledged,
    ledger,
    lost,
    duplicated,
    redeliveredDuplicates: counters1.duplicates - counters0.duplicates,
    transactions,
    meanBatchSize:
      transactions > 0
        ? Math.round(((counters1.batchReadings - counters0.batchReadings) / transactions) * 10) / 10
        : 0,
    blocks,
    invalid,
    mvccConflicts: conflictsOf(invalid),
    gatewayRetries: retries,
    transactionsResent: counters1.transactionsResent - counters0.transactionsResent,
    cpuSeconds: cpu,
    wallSeconds: Math.round((wallEnd - wallStart) / 100) / 10,
    drained,
    holds,
    misses,
    problems,
  };
}

/** Latencies in whole milliseconds (the simulator reports fractions of one). */
function wholeMs(summary: LatencySummary | undefined): LatencySummary | undefined {
  if (!summary) return undefined;
  const r = Math.round;
  return {
    count: summary.count,
    p50: r(summary.p50),
    p95: r(summary.p95),
    p99: r(summary.p99),
    max: r(summary.max),
  };
}

/** The accepted count at `at`, linearly between the samples around it. */
function acceptedAt(samples: readonly { at: number; accepted: number }[], at: number): number {
  const after = samples.findIndex((s) => s.at >= at);
  if (after < 0) return samples[samples.length - 1]?.accepted ?? 0;
  if (after === 0) return samples[0]!.accepted;
  const a = samples[after - 1]!;
  const b = samples[after]!;
  return a.accepted + ((b.accepted - a.accepted) * (at - a.at)) / (b.at - a.at);
}

/** Waits until the gateway holds no reading; false when it still does after `seconds`. */
async function waitIdle(gateway: GatewayProcess, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  let m: GatewayCounters = await gateway.metrics();
  while (m.inFlight > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    m = await gateway.metrics();
  }
  return m.inFlight === 0;
}
