import type { Baselines, CryptoCeiling } from './baselines-input';
import type { FabricBenchSettings } from './bench-settings';
import type { EndToEndStep } from './end-to-end.step';
import type { EffectiveIngestSettings } from './gateway-process';
import type { RawRun } from './raw-fabric.run';

/** The network settings every run used, read from the network's own rendered configuration. */
export interface NetworkSettings {
  readonly fabricVersion: string;
  /** Provena's chaincode as deployed (network.sh's version: a hash of its built files). */
  readonly chaincodeVersion: string;
  /** The repository's commit, and whether the working tree differed from it (other work in progress). */
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  readonly orderers: number;
  readonly batchTimeout: string;
  readonly maxMessageCount: string;
  readonly preferredMaxBytes: string;
  readonly absoluteMaxBytes: string;
  readonly endorsementPolicy: string;
  readonly gatewayServiceConcurrency: string;
}

export interface FabricE2eReport {
  readonly generatedAt: string;
  readonly durationSeconds: number;
  /** Best committed rate with p99 publish→commit within the limit, at the gateway's default settings (the sweep). */
  readonly endToEnd: {
    /** Set when the sweep ran with other ingest settings than the gateway's defaults (a tuning run). */
    readonly sweepOverrides?: { batchSize?: number; batchWindowMs?: number; maxConcurrentBatches?: number };
    readonly readingsPerSecond: number;
    readonly p99PublishToCommitMs: number | null;
    readonly offeredPerSecond: number | null;
    /** Summed over every end-to-end run of the report (batch-size runs and sweep). */
    readonly lost: number;
    readonly duplicated: number;
  };
  /** Best committed rate of raw:RecordRaw over the raw runs. */
  readonly rawFabric: {
    readonly readingsPerSecond: number;
    readonly readingsPerTransaction: number;
    readonly inFlight: number;
  };
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly loadAverageStart: readonly number[];
    readonly loadAverageEnd: readonly number[];
  };
  readonly baselines: Baselines & { readonly cryptoCeiling: readonly CryptoCeiling[] };
  readonly settings: {
    readonly network: NetworkSettings;
    readonly gatewayDefaults: EffectiveIngestSettings;
    readonly bench: FabricBenchSettings;
  };
  readonly raw: readonly RawRun[];
  readonly batchRuns: readonly EndToEndStep[];
  /** One reading per second at the default settings: a lone reading's latency (null when not run). */
  readonly atRest: EndToEndStep | null;
  readonly sweep: {
    readonly steps: readonly EndToEndStep[];
    /** Highest offered rate that held, and the first that did not. */
    readonly knee: { readonly holdsUpTo: number | null; readonly failsAt: number | null };
    /** Rates of the sweep not run, and why. */
    readonly notRun: readonly number[];
    readonly notRunReason: string | null;
  };
  readonly problems: readonly string[];
}

const n = (value: number | undefined | null): string =>
  value === undefined || value === null || Number.isNaN(value)
    ? '–'
    : Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined): string => (value === undefined ? '–' : n(value));
const codes = (record: Readonly<Record<string, number>>): string =>
  Object.keys(record).length === 0
    ? '0'
    : Object.entries(record)
        .map(([code, count]) => `${code} ${count}`)
        .join(', ');

/** Processes in the CPU table, in pipeline order; any other process measured is added after them. */
const PROCESS_ORDER = [
  'simulator',
  'mosquitto',
  'gateway',
  'bench',
  'peer0-producer',
  'peer0-carrier',
  'peer0-auditor',
  'chaincode-producer',
  'chaincode-carrier',
  'chaincode-auditor',
  'chaincode-producer-raw',
  'chaincode-carrier-raw',
  'orderer1',
];

interface CpuRow {
  label: string;
  readings: number;
  wallSeconds: number;
  cpuSeconds: Readonly<Record<string, number>>;
}

function cpuTable(rows: readonly CpuRow[]): string[] {
  const seen = new Set(rows.flatMap((r) => Object.keys(r.cpuSeconds)));
  const columns = [
    ...PROCESS_ORDER.filter((p) => seen.has(p)),
    ...[...seen].filter((p) => !PROCESS_ORDER.includes(p)),
  ];
  const micros = (row: CpuRow, p: string): string => {
    const seconds = row.cpuSeconds[p];
    return seconds === undefined || row.readings === 0 ? '–' : n((seconds * 1e6) / row.readings);
  };
  return [
    `| run | readings | ${columns.join(' | ')} | all | cores busy |`,
    `|---|---:|${columns.map(() => '---:').join('|')}|---:|---:|`,
    ...rows.map((row) => {
      const total = Object.values(row.cpuSeconds).reduce((a, b) => a + b, 0);
      return (
        `| ${row.label} | ${n(row.readings)} | ${columns.map((p) => micros(row, p)).join(' | ')} | ` +
        `${row.readings > 0 ? n((total * 1e6) / row.readings) : '–'} | ${(total / row.wallSeconds).toFixed(2)} |`
      );
    }),
  ];
}

export function markdownReport(r: FabricE2eReport): string {
  const b = r.baselines;
  const net = r.settings.network;
  const g = r.settings.gatewayDefaults;
  const s = r.settings.bench;
  const rawAt = (batch: number): RawRun | undefined =>
    r.raw.find((x) => x.readingsPerTransaction === batch && x.inFlight === s.inFlight);
  const ceilingAt = (batch: number): CryptoCeiling | undefined =>
    b.cryptoCeiling.find((c) => c.readingsPerTransaction === batch);
  const stepRow = (x: EndToEndStep): string =>
    `| ${n(x.offeredPerSecond)} | ${n(x.sentPerSecond)} | **${n(x.committedPerSecond)}** | ${n(x.committedOverall.perSecond)} | ` +
    `${ms(x.publishToCommitMs?.p50)} | ${ms(x.publishToCommitMs?.p99)} | ${x.lost} | ${x.duplicated} | ` +
    `${x.mvccConflicts} | ${x.transactionsResent} | ${x.meanBatchSize} | ${x.holds ? 'yes' : 'no'} |`;
  const knee = r.sweep.knee;
  return [
    '# Throughput on the real network: raw Fabric vs Provena end to end',
    '',
    `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}. Load average ${r.machine.loadAverageStart.map((v) => v.toFixed(2)).join(' / ')} ` +
      `(1/5/15 min) at the start, ${r.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' / ')} at the end` +
      ` (above ${r.machine.cores} means other work shared the cores). Run took ${Math.round(r.durationSeconds)} s; ${r.generatedAt}.`,
    '',
    `Code: commit ${net.gitCommit}${net.gitDirty ? ' with uncommitted changes' : ''}, Provena chaincode ` +
      `version ${net.chaincodeVersion}.`,
    '',
    `Network: Fabric ${net.fabricVersion}, ${net.orderers} Raft orderer, BatchTimeout ${net.batchTimeout}, ` +
      `MaxMessageCount ${net.maxMessageCount}, PreferredMaxBytes ${net.preferredMaxBytes}, endorsement ` +
      `\`${net.endorsementPolicy}\` (${net.endorsementPolicy.startsWith('OR') ? "either member organisation's peer alone runs each transaction" : "both member organisations' peers run every transaction"}), peer gateway ` +
      `concurrency ${net.gatewayServiceConcurrency}. Gateway defaults: batch ≤ ${g.batchSize} readings, window ` +
      `${g.batchWindowMs} ms, ${g.maxConcurrentBatches} transactions in flight, ${g.maxInFlight} readings unacknowledged.`,
    '',
    '## Headline',
    '',
    `- **Provena end to end, ${r.endToEnd.sweepOverrides ? `tuning run, sweep with ${JSON.stringify(r.endToEnd.sweepOverrides)} instead of the defaults` : 'default settings'}: ${n(r.endToEnd.readingsPerSecond)} readings/s committed** with p99 ` +
      `publish→commit ${ms(r.endToEnd.p99PublishToCommitMs ?? undefined)} ms (≤ ${s.p99LimitMs} ms), at ` +
      `${n(r.endToEnd.offeredPerSecond)}/s offered; lost ${r.endToEnd.lost}, duplicated ${r.endToEnd.duplicated} ` +
      'over every end-to-end run.',
    `- **Raw Fabric: ${n(r.rawFabric.readingsPerSecond)} readings/s** (raw:RecordRaw, ${r.rawFabric.readingsPerTransaction} ` +
      `readings per transaction, ${r.rawFabric.inFlight} in flight).`,
    `- Knee of the sweep: ${knee.holdsUpTo === null ? 'no step held its offered load' : `holds up to ${n(knee.holdsUpTo)}/s offered`}` +
      `${knee.failsAt === null ? '; every step held' : `, misses at ${n(knee.failsAt)}/s`}.`,
    ...(r.atRest
      ? [
          `- At rest (1 reading/s for ${r.atRest.seconds} s, default settings): publish→commit p50 ` +
            `${ms(r.atRest.publishToCommitMs?.p50)} ms, p95 ${ms(r.atRest.publishToCommitMs?.p95)} ms, max ` +
            `${ms(r.atRest.publishToCommitMs?.max)} ms over ${r.atRest.publishToCommitMs?.count ?? 0} readings ` +
            `(lost ${r.atRest.lost}, duplicated ${r.atRest.duplicated}).`,
        ]
      : []),
    '',
    '## Baselines, same run',
    '',
    `From bench/baselines.bench.ts (${b.source}, ${b.generatedAt}): P-256 verify ${n(b.anchorVerifiesPerSecond)}/s on one ` +
      `core (the machine anchor), the wire package's whole reading check ${n(b.readingChecksPerSecond)}/s; Mosquitto ` +
      `QoS 1 with Provena's settings ${n(b.mqttMessagesPerSecond)} msg/s (p50 ${b.mqttLatencyMs.p50} ms, p99 ` +
      `${b.mqttLatencyMs.p99} ms; lost ${b.mqttLost}, duplicates ${b.mqttDuplicates}).`,
    '',
    `Crypto ceiling: readings/s if all ${r.machine.cores} cores did nothing but P-256 verifications at the anchor's ` +
      'rate: Provena 3 per reading (gateway edge check, chaincode on each endorsing peer) + 13 per transaction ' +
      "(Fabric's proposal, envelope, validation and commit-status checks); raw the 13 per transaction only.",
    '',
    `| readings/tx | ${b.cryptoCeiling.map((c) => String(c.readingsPerTransaction)).join(' | ')} |`,
    `|---|${b.cryptoCeiling.map(() => '---:').join('|')}|`,
    `| Provena ceiling | ${b.cryptoCeiling.map((c) => n(c.provena)).join(' | ')} |`,
    `| raw ceiling | ${b.cryptoCeiling.map((c) => n(c.raw)).join(' | ')} |`,
    '',
    `## Raw Fabric vs Provena by readings per transaction (${s.inFlight} transactions in flight)`,
    '',
    "Raw: closed loop of the gateway's FabricLedgerAdapter submitting raw:RecordRaw (one key per reading, nothing " +
      'else) from this process. Provena: `iot-simulator load` → Mosquitto → the gateway process with that batch ' +
      `size and ${s.inFlight} batches in flight → RecordReadings endorsed by both members → commit; offered load = ` +
      `raw's rate × ${s.batchRunOverload} (at most ${n(s.batchRunMaxRate)}/s), to keep the gateway's batches full, so ` +
      'its latency includes any backlog.',
    '',
    '| readings/tx | raw readings/s | raw tx p50 / p99 ms | raw invalid | Provena offered/s | Provena committed/s | Provena ÷ raw | publish→commit p50 / p99 ms | mean batch | lost | dup | invalid | crypto ceiling |',
    '|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...s.batchSizes.map((batch) => {
      const raw = rawAt(batch);
      const e2e = r.batchRuns.find((x) => x.gateway.batchSize === batch);
      const ratio =
        raw && e2e && raw.readingsPerSecond > 0
          ? (e2e.committedPerSecond / raw.readingsPerSecond).toFixed(2)
          : '–';
      return (
        `| ${batch} | ${n(raw?.readingsPerSecond)} | ${ms(raw?.transactionLatencyMs?.p50)} / ${ms(raw?.transactionLatencyMs?.p99)} | ` +
        `${raw ? codes(raw.invalid) : '–'} | ${n(e2e?.offeredPerSecond)} | ${n(e2e?.committedPerSecond)} | ${ratio} | ` +
        `${ms(e2e?.publishToCommitMs?.p50)} / ${ms(e2e?.publishToCommitMs?.p99)} | ${e2e?.meanBatchSize ?? '–'} | ` +
        `${e2e?.lost ?? '–'} | ${e2e?.duplicated ?? '–'} | ${e2e ? codes(e2e.invalid) : '–'} | ${n(ceilingAt(batch)?.provena)} |`
      );
    }),
    ...r.raw
      .filter((x) => x.inFlight !== s.inFlight)
      .map(
        (x) =>
          `| ${x.readingsPerTransaction} (raw, ${x.inFlight} in flight) | ${n(x.readingsPerSecond)} | ` +
          `${ms(x.transactionLatencyMs?.p50)} / ${ms(x.transactionLatencyMs?.p99)} | ${codes(x.invalid)} | | | | | | | | | |`,
      ),
    '',
    `## Offered-load sweep at the default settings (${s.sweepSeconds} s per step)`,
    '',
    '| offered/s | sent/s | committed/s while offered | committed/s overall | publish→commit p50 ms | p99 ms | lost | dup | MVCC | tx sent again | mean batch | holds |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...r.sweep.steps.map(stepRow),
    ...(r.sweep.notRun.length > 0
      ? ['', `Not run: ${r.sweep.notRun.map(n).join(', ')}/s (${r.sweep.notRunReason}).`]
      : []),
    '',
    'committed/s while offered = the lower of: readings committed from ' +
      `${s.warmupSeconds} s after the first arrival to the end of sending ÷ that time (the gateway's /metrics), ` +
      "and the step's readings on the ledger ÷ the sending time. A step holds when that is ≥ 95 % of its offered " +
      `rate, p99 publish→commit ≤ ${s.p99LimitMs} ms, and nothing is lost or duplicated. ` +
      '"Overall" = readings of the step on the ledger ÷ time from first arrival to last commit (backlog included).',
    '',
    '## CPU per reading (µs), by process',
    '',
    'utime + stime from /proc/<pid>/stat over each run (from start to the last commit), ÷ readings committed. ' +
      "bench = this process (the raw runs' client; in end-to-end runs it only polls). The gateway's figure includes " +
      "serving the bench's /metrics polls (twice a second) and the simulator's /events stream, which weigh most at " +
      'the lowest rates. cores busy = all of it ÷ wall time.',
    '',
    ...cpuTable([
      ...r.raw.map((x) => ({
        label: `raw ${x.readingsPerTransaction}/tx × ${x.inFlight}`,
        readings: x.readingsCommitted,
        wallSeconds: x.wallSeconds,
        cpuSeconds: x.cpuSeconds,
      })),
      ...[...r.batchRuns, ...(r.atRest ? [r.atRest] : []), ...r.sweep.steps].map((x) => ({
        label: `${x.label}`,
        readings: x.ledger.distinct,
        wallSeconds: x.wallSeconds,
        cpuSeconds: x.cpuSeconds,
      })),
    ]),
    '',
    '## Problems seen',
    '',
    ...(r.problems.length === 0 ? ['None.'] : r.problems.map((p) => `- ${p}`)),
    '',
    '## How it is measured',
    '',
    '- publish→commit: from the simulator handing a reading to its device (which signs and publishes it) to the ' +
      "gateway's /events naming it in a committed transaction, per reading (`iot-simulator load --gateway`).",
    '- lost = acknowledged by the broker, not refused, and not found when the ledger is read back after the step ' +
      "(GET /devices/{id}/readings over the step's time range, every load device); duplicated = the same (device, " +
      'seq) found twice, or more distinct readings found than were sent.',
    "- invalid / MVCC: Fabric's validation codes of the step's transactions (the producer peer's " +
      '`ledger_transaction_count` by chaincode and code); the gateway also retries conflicts, counted in its ' +
      '/metrics (`gatewayRetries` in the JSON).',
    '- tx sent again: transactions the gateway sent to the orderers again for want of a commit status ' +
      '(`provena_ledger_transactions_resent_total`); with no node failing, each is a late commit taken for a lost ' +
      'one, and costs one DUPLICATE_TXID copy in a block.',
    '',
  ].join('\n');
}
