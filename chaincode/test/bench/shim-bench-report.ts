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

/**
 * The chaincode's CPU per reading at one batch size, one transaction in flight, split by subtracting runs that
 * each stop the chaincode one step later (unknown device → bad signature → device clock ahead → accepted).
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
  /** Parsing the batch, schema, the transaction's fixed cost: unknown devices less their GET_STATEs. */
  readonly restMicros: number;
  /** Bad signature − unknown devices: verification (with the per-transaction public key parsing), in place. */
  readonly verifyMicros: number;
  /** (device clock ahead − bad signature) per extra GET_STATE: one round trip answered empty, with hashing. */
  readonly getStateMicros: number;
  /** (replay − device clock ahead) per GET_STATE: what a GET_STATE answered with a stored reading adds. */
  readonly storedValueGetExtraMicros: number;
  /** (new − device clock ahead − extra GET_STATEs) per PUT_STATE: one round trip, with building its record. */
  readonly putStateMicros: number;
  readonly getStatePerReading: number;
  readonly putStatePerReading: number;
  /** Shares of `freshMicros`; they add up to 1. */
  readonly shares: {
    readonly roundTrips: number;
    readonly verification: number;
    readonly parseSchemaAndRest: number;
  };
}

export interface ShimBenchReport {
  readonly machine: string;
  readonly caveat: string;
  readonly setup: string;
  readonly secondsPerRun: number;
  readonly minTransactionsPerRun: number;
  readonly edgeCheck: EdgeCheckCost;
  readonly runs: readonly RunResult[];
  readonly split: TimeSplit;
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

/** The report as Markdown: the caveat first, then throughput, messages and the split of the chaincode's CPU. */
export function renderMarkdown(report: ShimBenchReport): string {
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
  const getShare = (s.getStateMicros * s.getStatePerReading) / s.freshMicros;
  const putShare = (s.putStateMicros * s.putStatePerReading) / s.freshMicros;
  const perRoundTrip =
    (s.getStateMicros * s.getStatePerReading + s.putStateMicros * s.putStatePerReading) /
    (s.getStatePerReading + s.putStatePerReading);
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
      `round trip the transaction waits for: the Node shim sends one message per getState/putState.`,
    ``,
    `## Where the chaincode's CPU goes (batch ${s.batchSize}, one in flight)`,
    ``,
    `Runs that stop the chaincode one step later each: unknown devices ${fixed(v.unknownDevice, 1)} µs per ` +
      `reading (parse, schema), bad signatures ${fixed(v.badSignature, 1)} µs (+ verification), device clock ` +
      `ahead ${fixed(v.deviceClockAhead, 1)} µs (+ hash and the duplicate check's GET_STATE, answered empty), new ` +
      `readings ${fixed(s.freshMicros, 1)} µs (+ records, compliance, PUT_STATE). Their differences:`,
    ``,
    `| part | µs per call | calls per reading | µs per reading | share |`,
    `|---|---:|---:|---:|---:|`,
    `| parse batch, schema, transaction overhead | | | ${fixed(s.restMicros, 1)} | ${percent(s.shares.parseSchemaAndRest)} |`,
    `| signature verification, in place (in this process: ${fixed(report.edgeCheck.verifyMicros, 1)} µs) | ${fixed(s.verifyMicros, 1)} | 1 | ${fixed(s.verifyMicros, 1)} | ${percent(s.shares.verification)} |`,
    `| GET_STATE round trip (answered empty; incl. hashing) | ${fixed(s.getStateMicros, 1)} | ${fixed(s.getStatePerReading, 2)} | ${fixed(s.getStateMicros * s.getStatePerReading, 1)} | ${percent(getShare)} |`,
    `| PUT_STATE round trip (incl. building its record) | ${fixed(s.putStateMicros, 1)} | ${fixed(s.putStatePerReading, 2)} | ${fixed(s.putStateMicros * s.putStatePerReading, 1)} | ${percent(putShare)} |`,
    `| **all of it** | | | **${fixed(s.freshMicros, 1)}** | 100 % |`,
    ``,
    `Round trips ≈ ${percent(s.shares.roundTrips)} of the chaincode's CPU per reading ` +
      `(${fixed(perRoundTrip, 1)} µs per round trip on average), signature verification ` +
      `≈ ${percent(s.shares.verification)}, parsing, schema and the rest ≈ ${percent(s.shares.parseSchemaAndRest)} ` +
      `(differences of measured runs, so approximate). A GET_STATE answered with a stored reading (replay, ` +
      `${fixed(v.replay, 1)} µs per reading) differs from one answered empty by ` +
      `${s.storedValueGetExtraMicros >= 0 ? '+' : '−'}${fixed(Math.abs(s.storedValueGetExtraMicros), 1)} µs. ` +
      `Wall time per new reading: ${fixed(s.wallMicros, 1)} µs, of which the chaincode's CPU ` +
      `${fixed(s.freshMicros, 1)} µs and the test double's ${fixed(s.peerDoubleMicros, 1)} µs: with one ` +
      `transaction in flight the two take turns at every round trip.`,
    ``,
  ].join('\n');
}
