/** What a run fed the chaincode. */
export type RunKind =
  | 'new readings'
  | 'replay (all duplicates)'
  | 'refused CLOCK_SKEW'
  | 'refused BAD_SIGNATURE'
  | 'refused UNKNOWN_DEVICE';

/** One run: one batch size and number of transactions in flight, timed over a window. */
export interface RunResult {
  readonly name: string;
  readonly kind: RunKind;
  readonly batchSize: number;
  readonly inFlight: number;
  readonly transactions: number;
  readonly readings: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly refused: number;
  readonly breaches: number;
  /** The timed window: first proposal sent to last transaction committed. */
  readonly seconds: number;
  readonly readingsPerSecond: number;
  readonly transactionsPerSecond: number;
  /** Per transaction: proposal sent to the double until COMPLETED and the write set committed to its world state. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly max: number };
  /**
   * Messages per reading by type: what the chaincode sent (GET_STATE, PUT_STATE, …, COMPLETED) and what the peer
   * sent (TRANSACTION, and one RESPONSE per state call).
   */
  readonly messagesPerReading: Readonly<Record<string, number>>;
  /** State calls per reading: each is one request and one RESPONSE, and the transaction waits for it. */
  readonly roundTripsPerReading: number;
  readonly chaincodeCpuSeconds: number;
  /** The part of it spent in the kernel (stime): socket I/O, waiting and waking at every round trip. */
  readonly chaincodeSystemCpuShare: number;
  readonly chaincodeCpuSecondsPer1kReadings: number;
  /** The bench process: the test-double peer and the client building proposals. Not a real peer's cost. */
  readonly peerDoubleCpuSecondsPer1kReadings: number;
}

/** In-process costs of one reading, the same functions the chaincode calls. */
export interface EdgeCheckCost {
  /** decode + schema + signature (`openSignedReading`): what the gateway and each endorser spend per reading. */
  readonly fullEdgeCheckMicros: number;
  /** canonical bytes + low-S check + P-256 verification (`verifyReadingSignature`). */
  readonly verifyMicros: number;
  /** `full edge check` from reports/bench-wire.json, when present. */
  readonly wireBenchFullEdgeCheckMicros: number | undefined;
}

/** One step of the chaincode's work per reading: CPU and round trips, from differences of runs. */
export interface StepCost {
  readonly micros: number;
  readonly roundTrips: number;
}

/**
 * The chaincode's CPU per new reading at one batch size, one transaction in flight, split by subtracting runs
 * that each stop the chaincode one step later (unknown device → bad signature → device clock ahead → accepted).
 */
export interface TimeSplit {
  readonly batchSize: number;
  /** New readings: wall time per reading. */
  readonly wallMicros: number;
  /** New readings: the test double's and the client's CPU per reading (the bench process). */
  readonly peerDoubleMicros: number;
  /** New readings: the chaincode process's CPU per reading, everything. */
  readonly freshMicros: number;
  /** The chaincode's CPU per reading of each variant run. */
  readonly variantMicros: {
    readonly unknownDevice: number;
    readonly badSignature: number;
    readonly deviceClockAhead: number;
    readonly replay: number;
  };
  /** Unknown devices: parsing the batch, schema, reading each device, the transaction's fixed cost. */
  readonly parse: StepCost;
  /** Bad signature − unknown devices: canonical bytes and signature verification. */
  readonly verify: StepCost;
  /** Device clock ahead − bad signature: hashing and the duplicate check's reads, answered empty. */
  readonly duplicateCheck: StepCost;
  /** New − device clock ahead: the attachment, building the records, compliance, the writes. */
  readonly record: StepCost;
  /** Replay − device clock ahead: what reading stored readings back adds to the duplicate check. */
  readonly storedValueExtraMicros: number;
}

export interface ShimBenchReport {
  readonly machine: string;
  readonly caveat: string;
  readonly setup: string;
  /** The chaincode package the server ran (its dist/). */
  readonly chaincodeDir: string;
  readonly secondsPerRun: number;
  readonly minTransactionsPerRun: number;
  readonly edgeCheck: EdgeCheckCost;
  readonly runs: readonly RunResult[];
  readonly split: TimeSplit;
}

/** A report kept to compare later runs with: chaincode/test/bench/baseline.json. */
export interface BenchBaseline {
  /** What was measured, e.g. the chaincode before a change. */
  readonly label: string;
  /** ISO date of the run. */
  readonly measuredAt: string;
  readonly report: ShimBenchReport;
}

const PEER_TYPES = ['TRANSACTION', 'RESPONSE'];
const CHAINCODE_TYPES = ['GET_STATE', 'PUT_STATE', 'COMPLETED'];

function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function ratio(before: number, after: number): string {
  return after > before ? `${fixed(after / before, 2)}×` : `÷${fixed(before / after, 2)}`;
}

/** Before and after, run by run (runs of the same name). */
function comparison(baseline: BenchBaseline, report: ShimBenchReport): string[] {
  const rows = report.runs.flatMap((after) => {
    const before = baseline.report.runs.find((r) => r.name === after.name);
    if (!before || after.kind !== 'new readings') return [];
    const cpu = (r: RunResult): number => r.chaincodeCpuSecondsPer1kReadings * 1000;
    return [
      `| ${after.name} | ${fixed(before.roundTripsPerReading, 2)} → **${fixed(after.roundTripsPerReading, 2)}** | ` +
        `${count(before.readingsPerSecond)} → **${count(after.readingsPerSecond)}** (${ratio(before.readingsPerSecond, after.readingsPerSecond)}) | ` +
        `${count(cpu(before))} → **${count(cpu(after))}** (${ratio(cpu(before), cpu(after))}) | ` +
        `${fixed(before.latencyMs.p50, 1)} → ${fixed(after.latencyMs.p50, 1)} |`,
    ];
  });
  const b = baseline.report.split;
  const a = report.split;
  const step = (name: string, x: StepCost, y: StepCost): string =>
    `| ${name} | ${fixed(x.micros, 0)} → **${fixed(y.micros, 0)}** | ${fixed(x.roundTrips, 2)} → ${fixed(y.roundTrips, 2)} |`;
  return [
    `## Before and after`,
    ``,
    `Baseline (\`chaincode/test/bench/baseline.json\`): **${baseline.label}**, measured ${baseline.measuredAt} on ` +
      `${baseline.report.machine}, with this benchmark. Both runs are on the same kind of machine, but not at the ` +
      `same moment: other jobs' load moves single figures by 15 % or more, so compare ratios, not digits.`,
    ``,
    `| run | round trips per reading | readings/s | chaincode CPU µs per reading | p50 ms |`,
    `|---|---:|---:|---:|---:|`,
    ...rows,
    ``,
    `Per step, batch ${a.batchSize} (chaincode CPU µs per reading, round trips per reading):`,
    ``,
    `| step | µs per reading | round trips |`,
    `|---|---:|---:|`,
    step('parse, schema, devices, transaction overhead', b.parse, a.parse),
    step('canonical bytes and signature verification', b.verify, a.verify),
    step('hash and duplicate check', b.duplicateCheck, a.duplicateCheck),
    step('attachment, records, compliance, writes', b.record, a.record),
    `| **all of it** | ${fixed(b.freshMicros, 0)} → **${fixed(a.freshMicros, 0)}** (${ratio(b.freshMicros, a.freshMicros)}) | |`,
    ``,
  ];
}

/**
 * The report as Markdown: the caveat first, then (with a baseline) before and after, throughput, messages and
 * the split of the chaincode's CPU.
 */
export function renderMarkdown(report: ShimBenchReport, baseline?: BenchBaseline): string {
  const edgeSecondsPer1k = (report.edgeCheck.fullEdgeCheckMicros * 1000) / 1e6;
  const throughput = report.runs.map(
    (r) =>
      `| ${r.name} | ${r.transactions} | ${count(r.readingsPerSecond)} | ` +
      `${fixed(r.transactionsPerSecond, 1)} | ${fixed(r.latencyMs.p50, 1)} | ${fixed(r.latencyMs.p95, 1)} | ` +
      `${fixed(r.chaincodeCpuSecondsPer1kReadings, 3)} | ${percent(r.chaincodeSystemCpuShare)} | ${fixed(r.chaincodeCpuSecondsPer1kReadings / edgeSecondsPer1k, 1)}× | ` +
      `${fixed(r.peerDoubleCpuSecondsPer1kReadings, 3)} |`,
  );
  const otherTypes = [...new Set(report.runs.flatMap((r) => Object.keys(r.messagesPerReading)))].filter(
    (t) => !PEER_TYPES.includes(t) && !CHAINCODE_TYPES.includes(t),
  );
  const typeColumns = ['GET_STATE', 'PUT_STATE', ...otherTypes, 'COMPLETED', 'TRANSACTION', 'RESPONSE'];
  const messages = report.runs.map((r) => {
    const total = Object.values(r.messagesPerReading).reduce((a, b) => a + b, 0);
    const cells = typeColumns.map((t) => fixed(r.messagesPerReading[t] ?? 0, 3));
    return `| ${r.name} | ${cells.join(' | ')} | ${fixed(r.roundTripsPerReading, 3)} | ${fixed(total, 3)} |`;
  });
  const s = report.split;
  const v = s.variantMicros;
  const share = (x: StepCost): string => percent(x.micros / s.freshMicros);
  const perTrip = (x: StepCost): string => (x.roundTrips > 0.01 ? fixed(x.micros / x.roundTrips, 0) : '');
  const wire = report.edgeCheck.wireBenchFullEdgeCheckMicros;
  return [
    `# reading:RecordReadings through the real fabric-shim, test-double peer`,
    ``,
    `> **${report.caveat}**`,
    ``,
    `${report.machine}. ${report.setup} Each run: one untimed transaction, then at least ${report.secondsPerRun} s ` +
      `and ${report.minTransactionsPerRun} transactions; every transaction's write set committed to the double's ` +
      `world state, so duplicate checks see a growing state.`,
    ``,
    ...(baseline ? comparison(baseline, report) : []),
    `## This run`,
    ``,
    `| run | txs | readings/s | tx/s | p50 ms | p95 ms | chaincode CPU s / 1k readings | of it in kernel | vs full edge check | peer double CPU s / 1k readings |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...throughput,
    ``,
    `Latency: proposal sent until COMPLETED and the write set applied, per transaction (p95 nearest rank). ` +
      `Chaincode CPU: utime + stime of the \`fabric-chaincode-node server\` process from /proc over the window; "in kernel" is the stime part. ` +
      `One full edge check (decode + schema + P-256 verify, in this process): ` +
      `${fixed(report.edgeCheck.fullEdgeCheckMicros, 1)} µs = ${fixed(edgeSecondsPer1k, 3)} s per 1,000 readings` +
      (wire === undefined ? '' : ` (reports/bench-wire.json: ${fixed(wire, 1)} µs)`) +
      `; "vs full edge check" is the chaincode's CPU per reading in multiples of that.`,
    ``,
    `## Chaincode ↔ peer messages per reading`,
    ``,
    `| run | ${typeColumns.join(' | ')} | round trips | all messages |`,
    `|---|${typeColumns.map(() => '---:').join('|')}|---:|---:|`,
    ...messages,
    ``,
    `GET_STATE … COMPLETED come from the chaincode; TRANSACTION and RESPONSE from the peer. Every state call is a ` +
      `round trip the transaction waits for: fabric-shim 2.5.8 sends one message per state call and keeps one ` +
      `in flight per transaction.`,
    ``,
    `## Where the chaincode's CPU goes (batch ${s.batchSize}, one in flight)`,
    ``,
    `Runs that stop the chaincode one step later each: unknown devices ${fixed(v.unknownDevice, 1)} µs per ` +
      `reading, bad signatures ${fixed(v.badSignature, 1)} µs, device clock ahead ${fixed(v.deviceClockAhead, 1)} µs, ` +
      `new readings ${fixed(s.freshMicros, 1)} µs. Their differences:`,
    ``,
    `| step | µs per reading | round trips per reading | µs per round trip | share |`,
    `|---|---:|---:|---:|---:|`,
    `| parse, schema, devices, transaction overhead | ${fixed(s.parse.micros, 1)} | ${fixed(s.parse.roundTrips, 3)} | | ${share(s.parse)} |`,
    `| canonical bytes and signature verification (in this process: ${fixed(report.edgeCheck.verifyMicros, 1)} µs) | ${fixed(s.verify.micros, 1)} | ${fixed(s.verify.roundTrips, 3)} | | ${share(s.verify)} |`,
    `| hash and duplicate check | ${fixed(s.duplicateCheck.micros, 1)} | ${fixed(s.duplicateCheck.roundTrips, 3)} | ${perTrip(s.duplicateCheck)} | ${share(s.duplicateCheck)} |`,
    `| attachment, records, compliance, writes | ${fixed(s.record.micros, 1)} | ${fixed(s.record.roundTrips, 3)} | ${perTrip(s.record)} | ${share(s.record)} |`,
    `| **all of it** | **${fixed(s.freshMicros, 1)}** | ${fixed(s.parse.roundTrips + s.verify.roundTrips + s.duplicateCheck.roundTrips + s.record.roundTrips, 3)} | | 100 % |`,
    ``,
    `Differences of measured runs, so approximate (a step can come out slightly negative in a noisy run). ` +
      `A duplicate check that reads the stored readings back (replay, ${fixed(v.replay, 1)} µs per reading) ` +
      `differs from one answered empty by ${s.storedValueExtraMicros >= 0 ? '+' : '−'}` +
      `${fixed(Math.abs(s.storedValueExtraMicros), 1)} µs. Wall time per new reading: ${fixed(s.wallMicros, 1)} µs, ` +
      `of which the chaincode's CPU ${fixed(s.freshMicros, 1)} µs and the test double's ` +
      `${fixed(s.peerDoubleMicros, 1)} µs: with one transaction in flight the two take turns at every round trip.`,
    ``,
  ].join('\n');
}
