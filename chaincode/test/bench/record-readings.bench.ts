/**
 * What `reading:RecordReadings` costs in one chaincode process: chaincode/dist in a real `fabric-chaincode-node
 * server` (fabric-shim, fabric-contract-api, the chaincode gRPC stream), driven by the shim tier's test-double peer
 * (test/shim/fake-peer.harness.ts). Prints Markdown and writes reports/bench-chaincode-shim.{json,md}. A report,
 * not a test: the figures depend on the machine, and the peer is a double, so they bound one chaincode process
 * from above and say nothing of a network's throughput.
 *
 *   npm run bench        # from the repository root: builds, runs the wire bench, then this
 *   npx tsc -p chaincode/tsconfig.bench.json && node chaincode/test/dist/chaincode/test/bench/record-readings.bench.js \
 *     [--seconds-per-run 4] [--in-flight 4] [--chaincode-dir <dir>] [--save-baseline <label>]
 *
 * The report compares this run with chaincode/test/bench/baseline.json (when present), a run of this benchmark
 * kept in the repository. `--chaincode-dir` runs another chaincode package (its dist/ built, node_modules
 * resolvable), e.g. an older commit's build; `--save-baseline` writes this run as the new baseline.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  encodeSignedReading,
  Limits,
  openSignedReading,
  READING_FORMAT_VERSION,
  RefusalCode,
  sealReading,
  verifyReadingSignature,
} from '@provena/wire';
import { startChaincodeServer, type ChaincodeServer } from '../shim/chaincode-server.harness';
import { connectFakePeer, type Endorsement, type FakePeer } from '../shim/fake-peer.harness';
import type { Creator } from '../shim/proposal.helper';
import { ownCpuSeconds, processCpuTime } from './process-cpu';
import { BENCH_PROFILE, newReadingFleet, type ReadingBatch, type ReadingFleet } from './reading-fleet';
import {
  renderMarkdown,
  type BenchBaseline,
  type EdgeCheckCost,
  type RunKind,
  type RunResult,
  type ShimBenchReport,
  type TimeSplit,
} from './shim-bench-report';

/** chaincode/: this file runs compiled, from chaincode/test/dist/bench. */
// Compiled to chaincode/test/dist/chaincode/test/bench/ (the repository root is the bench build's root).
const CHAINCODE_DIR = join(__dirname, '..', '..', '..', '..', '..');
const REPO_DIR = join(CHAINCODE_DIR, '..');
const FIXTURES_DIR = join(CHAINCODE_DIR, 'test', 'shim', '__fixtures__');
const BASELINE_FILE = join(CHAINCODE_DIR, 'test', 'bench', 'baseline.json');

const CHAINCODE_ID = 'provena_1.0:be0c4b1a7f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c';
const PRODUCER = 'ProducerMSP';
const SHIPMENT = 'BENCH-SHP-0001';
const DEVICES = 8;
/** The wide fleet: as many devices as readings in a split-size batch, so each sends one reading per batch. */
const WIDE_SHIPMENT = 'BENCH-SHP-0002';
/** AttachDevices takes at most 100 ids per call. */
const MAX_ATTACH = 100;
/** 2 % of the readings break the profile, so the breach path runs as in production, rarely. */
const BREACH_EVERY = 50;
const BATCH_SIZES = [1, 10, 50, 200, Limits.maxReadingsPerBatch];
/** The batch size of the concurrent run and of the runs that split the chaincode's CPU. */
const SPLIT_BATCH = 200;
const MIN_TRANSACTIONS = 8;
/** Fabric's default `chaincode.executetimeout`. */
const EXECUTE_TIMEOUT_MS = 30_000;
/** The first transaction's timestamp; each next one is a second later. */
const FIRST_TX_AT = Date.UTC(2027, 0, 1);
/** Upper bound on readings signed ahead for one run (signing costs ~35 µs each). */
const MAX_POOL_READINGS = 60_000;

const CAVEAT =
  'The peer is a test double (chaincode/test/shim/fake-peer.harness.ts): it signs no endorsement, does no ledger ' +
  'I/O (an in-memory map stands in for the state database) and nothing is ordered, validated or committed to a ' +
  'block. The chaincode side is real: fabric-chaincode-node server running the chaincode build, fabric-shim, ' +
  'protobuf over a local gRPC stream. The figures are an upper bound for one chaincode process, not network ' +
  'throughput.';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

function textOption(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

function creator(mspId: string, certificateFile: string): Creator {
  return { mspId, certificatePem: readFileSync(join(FIXTURES_DIR, certificateFile)) };
}

const producerAdmin = creator(PRODUCER, 'producer-admin.cert.pem');
const producerOperator = creator(PRODUCER, 'producer-operator.cert.pem');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// µs per call of `op`: a warm-up, then the median of three rounds of about half a second.
function microsPerOp(op: () => unknown): number {
  const round = (budgetMs: number): number => {
    let ops = 0;
    const start = process.hrtime.bigint();
    while (elapsedMs(start) < budgetMs) {
      for (let i = 0; i < 32; i++) op();
      ops += 32;
    }
    return (elapsedMs(start) * 1000) / ops;
  };
  round(300);
  return median([round(500), round(500), round(500)]);
}

// The same functions the chaincode calls, on a full envelope, in this process (before the chaincode starts, so
// the two do not share the cores).
function measureEdgeCheck(): EdgeCheckCost {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = sealReading(
    {
      v: READING_FORMAT_VERSION,
      deviceId: 'bench-reefer-01',
      seq: 1,
      measuredAt: Date.UTC(2026, 0, 1),
      shipmentId: SHIPMENT,
      measurements: {
        temperatureC: 4.5,
        humidityPct: 61,
        shockG: 0.3,
        vibrationMmS: 1.8,
        batteryPct: 94.9,
        location: { lat: 51.901, lon: 4.47917 },
      },
    },
    privateKey,
  );
  const payload = encodeSignedReading(signed);
  // Fails loudly if the envelope is not one the chaincode would accept.
  openSignedReading(payload, publicKey);
  const wireReport = join(REPO_DIR, 'reports', 'bench-wire.json');
  let wireBenchFullEdgeCheckMicros: number | undefined;
  if (existsSync(wireReport)) {
    const wire = JSON.parse(readFileSync(wireReport, 'utf8')) as {
      results?: { name: string; microsPerOp: number }[];
    };
    wireBenchFullEdgeCheckMicros = wire.results?.find((r) => r.name === 'full edge check')?.microsPerOp;
  }
  return {
    fullEdgeCheckMicros: microsPerOp(() => openSignedReading(payload, publicKey)),
    verifyMicros: microsPerOp(() => verifyReadingSignature(signed.reading, signed.signature, publicKey)),
    wireBenchFullEdgeCheckMicros,
  };
}

/** What the chaincode must answer for a batch; the bench stops if it does not, rather than time the wrong path. */
interface Expected {
  readonly accepted: number;
  readonly duplicates: number;
  readonly refused: number;
  readonly breaches: number;
  /** The code of every refused reading. */
  readonly refusalCode?: RefusalCode;
}

interface PlannedBatch {
  readonly batch: ReadingBatch;
  readonly expected: Expected;
}

interface RunPlan {
  readonly name: string;
  readonly kind: RunKind;
  readonly batchSize: number;
  readonly inFlight: number;
  readonly next: () => PlannedBatch;
}

interface Sample {
  readonly planned: PlannedBatch;
  readonly ms: number;
  readonly endorsement: Endorsement;
}

function fresh(fleet: ReadingFleet, size: number): PlannedBatch {
  const batch = fleet.nextBatch(size);
  return {
    batch,
    expected: { accepted: batch.readings, duplicates: 0, refused: 0, breaches: batch.breaches },
  };
}

/** Every reading of the batch refused with `code`. */
function refusedBatch(batch: ReadingBatch, code: RefusalCode): PlannedBatch {
  return {
    batch,
    expected: { accepted: 0, duplicates: 0, refused: batch.readings, breaches: 0, refusalCode: code },
  };
}

function checkOutcome(planned: PlannedBatch, endorsement: Endorsement): void {
  const summary = JSON.parse(endorsement.payload.toString('utf8')) as Omit<Expected, 'breaches'> & {
    verdicts: { code?: RefusalCode }[];
  };
  const event = endorsement.event && (JSON.parse(endorsement.event.payload.toString('utf8')) as unknown);
  const breaches = (event as { breaches?: unknown[] } | undefined)?.breaches?.length ?? -1;
  const { accepted, duplicates, refused } = summary;
  const codes = [...new Set(summary.verdicts.flatMap((v) => (v.code === undefined ? [] : [v.code])))];
  const got = {
    accepted,
    duplicates,
    refused,
    breaches,
    ...(codes.length > 0 && { refusalCode: codes.join() }),
  };
  if (JSON.stringify(got) !== JSON.stringify(planned.expected)) {
    throw new Error(
      `tx ${endorsement.txId}: expected ${JSON.stringify(planned.expected)}, chaincode answered ${JSON.stringify(got)}`,
    );
  }
}

/** Measures plans against one chaincode process through one peer connection. */
class ShimBench {
  readonly #peer: FakePeer;
  readonly #pid: number;
  readonly #seconds: number;

  constructor(peer: FakePeer, pid: number, seconds: number) {
    this.#peer = peer;
    this.#pid = pid;
    this.#seconds = seconds;
  }

  async #record(planned: PlannedBatch): Promise<Sample> {
    const start = process.hrtime.bigint();
    const endorsement = await this.#peer.submit(producerOperator, [
      'reading:RecordReadings',
      planned.batch.json,
    ]);
    return { planned, ms: elapsedMs(start), endorsement };
  }

  /** Untimed: JIT warm-up of the chaincode's paths. */
  async warmUp(plans: readonly PlannedBatch[]): Promise<void> {
    for (const planned of plans) checkOutcome(planned, (await this.#record(planned)).endorsement);
  }

  /**
   * One untimed transaction, then batches signed ahead (so signing does not share the cores with the timed
   * window), submitted `inFlight` at a time until the time box and the minimum count are both reached.
   * Returns the run's figures and the batches it committed.
   */
  async run(plan: RunPlan): Promise<{ result: RunResult; committed: ReadingBatch[] }> {
    const first = plan.next();
    const probe = await this.#record(first);
    checkOutcome(first, probe.endorsement);
    const estimate = Math.ceil(((2 * this.#seconds * 1000) / probe.ms) * Math.max(1, plan.inFlight / 2));
    const poolSize = Math.min(
      estimate + MIN_TRANSACTIONS + plan.inFlight,
      Math.max(MIN_TRANSACTIONS + plan.inFlight, Math.floor(MAX_POOL_READINGS / plan.batchSize)),
    );
    const pool = Array.from({ length: poolSize }, () => plan.next());

    const samples: Sample[] = [];
    let taken = 0;
    const cpuBefore = processCpuTime(this.#pid);
    const ownBefore = ownCpuSeconds();
    const start = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (taken < pool.length && (taken < MIN_TRANSACTIONS || elapsedMs(start) < this.#seconds * 1000)) {
        samples.push(await this.#record(pool[taken++]!));
      }
    };
    await Promise.all(Array.from({ length: plan.inFlight }, worker));
    const seconds = elapsedMs(start) / 1000;
    const cpuAfter = processCpuTime(this.#pid);
    const chaincodeSystemSeconds = cpuAfter.system - cpuBefore.system;
    const chaincodeCpuSeconds = cpuAfter.user - cpuBefore.user + chaincodeSystemSeconds;
    const peerCpuSeconds = ownCpuSeconds() - ownBefore;

    for (const s of samples) checkOutcome(s.planned, s.endorsement);
    const readings = samples.reduce((n, s) => n + s.planned.batch.readings, 0);
    const sum = (field: 'accepted' | 'duplicates' | 'refused' | 'breaches'): number =>
      samples.reduce((n, s) => n + s.planned.expected[field], 0);
    const messages = new Map<string, number>();
    for (const { endorsement } of samples) {
      for (const [type, n] of endorsement.messages) messages.set(type, (messages.get(type) ?? 0) + n);
    }
    const stateCalls = [...messages].filter(([type]) => type !== 'COMPLETED').reduce((n, [, c]) => n + c, 0);
    messages.set('TRANSACTION', samples.length);
    messages.set('RESPONSE', stateCalls);
    const latencies = samples.map((s) => s.ms);
    const result: RunResult = {
      name: plan.name,
      kind: plan.kind,
      batchSize: plan.batchSize,
      inFlight: plan.inFlight,
      transactions: samples.length,
      readings,
      accepted: sum('accepted'),
      duplicates: sum('duplicates'),
      refused: sum('refused'),
      breaches: sum('breaches'),
      seconds,
      readingsPerSecond: readings / seconds,
      transactionsPerSecond: samples.length / seconds,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        max: Math.max(...latencies),
      },
      messagesPerReading: Object.fromEntries([...messages].map(([type, n]) => [type, n / readings])),
      roundTripsPerReading: stateCalls / readings,
      chaincodeCpuSeconds,
      chaincodeSystemCpuShare: chaincodeSystemSeconds / chaincodeCpuSeconds,
      chaincodeCpuSecondsPer1kReadings: (chaincodeCpuSeconds * 1000) / readings,
      peerDoubleCpuSecondsPer1kReadings: (peerCpuSeconds * 1000) / readings,
    };
    const committed = [first.batch, ...samples.map((s) => s.planned.batch)];
    return { result, committed };
  }
}

// Subtracts runs that skip steps. With G and P the state calls per reading of each run and v the in-process
// verification: unknown devices = rest + get·G(u); replay = rest + v + get·G(r); new = rest + v + get·G(n) + put·P(n).
/** The variants at the split size, each stopping the chaincode one step later. */
interface SplitRuns {
  /** Refused UNKNOWN_DEVICE: parse, schema, the device reads. */
  readonly unknownDevice: RunResult;
  /** Refused BAD_SIGNATURE: + canonical bytes and signature verification. */
  readonly badSignature: RunResult;
  /** Refused CLOCK_SKEW: + hashing and the duplicate check's reads, answered empty. */
  readonly deviceClockAhead: RunResult;
  /** All duplicates: as device-clock-ahead, but the reads answer the stored readings. */
  readonly replay: RunResult;
  /** Accepted: + the attachment read, building the records, compliance, the writes. */
  readonly fresh: RunResult;
}

// Each variant adds a step to the one before, so differences of CPU (and round trips) per reading price each
// step, and the steps add up to the fresh run's figures exactly.
function splitChaincodeCpu(runs: SplitRuns): TimeSplit {
  const micros = (r: RunResult): number => r.chaincodeCpuSecondsPer1kReadings * 1000;
  const trips = (r: RunResult): number => r.roundTripsPerReading;
  const step = (from: RunResult | undefined, to: RunResult) => ({
    micros: micros(to) - (from ? micros(from) : 0),
    roundTrips: trips(to) - (from ? trips(from) : 0),
  });
  const { unknownDevice: u, badSignature: b, deviceClockAhead: c, replay: d, fresh: f } = runs;
  return {
    batchSize: f.batchSize,
    wallMicros: 1e6 / f.readingsPerSecond,
    peerDoubleMicros: f.peerDoubleCpuSecondsPer1kReadings * 1000,
    freshMicros: micros(f),
    variantMicros: {
      unknownDevice: micros(u),
      badSignature: micros(b),
      deviceClockAhead: micros(c),
      replay: micros(d),
    },
    parse: step(undefined, u),
    verify: step(u, b),
    duplicateCheck: step(b, c),
    record: step(c, f),
    storedValueExtraMicros: micros(d) - micros(c),
  };
}

async function registerFleet(peer: FakePeer, fleet: ReadingFleet, shipmentId: string): Promise<void> {
  for (const { deviceId, publicKeyPem } of fleet.devices) {
    const device = { deviceId, publicKeyPem, ownerOrg: PRODUCER, kind: 'reefer-logger' };
    await peer.submit(producerAdmin, ['device:RegisterDevice', JSON.stringify(device)]);
  }
  const shipment = {
    shipmentId,
    productCode: 'VACCINE-X',
    quantity: 1200,
    origin: 'Amsterdam',
    destination: 'Lyon',
    complianceProfile: BENCH_PROFILE,
  };
  await peer.submit(producerOperator, ['shipment:CreateShipment', JSON.stringify(shipment)]);
  const deviceIds = fleet.devices.map((d) => d.deviceId);
  for (let i = 0; i < deviceIds.length; i += MAX_ATTACH) {
    const some = deviceIds.slice(i, i + MAX_ATTACH);
    await peer.submit(producerOperator, ['shipment:AttachDevices', shipmentId, JSON.stringify(some)]);
  }
}

async function measure(server: ChaincodeServer, peer: FakePeer, secondsPerRun: number, inFlight: number) {
  if (server.pid === undefined) throw new Error('the chaincode server has no process id');
  const fleetOptions = {
    devices: DEVICES,
    shipmentId: SHIPMENT,
    breachEvery: BREACH_EVERY,
    firstMeasuredAt: Date.UTC(2026, 0, 1),
    aheadMeasuredAt: FIRST_TX_AT + 365 * 24 * 3600_000,
  };
  const fleet = newReadingFleet({ ...fleetOptions, idPrefix: 'bench-reefer' });
  // One reading per device in each batch: the case where per-batch index entries save nothing.
  const wide = newReadingFleet({
    ...fleetOptions,
    devices: SPLIT_BATCH,
    shipmentId: WIDE_SHIPMENT,
    idPrefix: 'bench-tag',
  });
  // Never registered: refused UNKNOWN_DEVICE after parse and schema, before any verification or write.
  const ghosts = newReadingFleet({ ...fleetOptions, idPrefix: 'bench-ghost' });
  await registerFleet(peer, fleet, SHIPMENT);
  await registerFleet(peer, wide, WIDE_SHIPMENT);
  const bench = new ShimBench(peer, server.pid, secondsPerRun);
  await bench.warmUp([
    ...Array.from({ length: 6 }, () => fresh(fleet, SPLIT_BATCH)),
    ...Array.from({ length: 20 }, () => fresh(fleet, 10)),
  ]);

  const runs: RunResult[] = [];
  const log = (r: RunResult): void => {
    runs.push(r);
    process.stderr.write(
      `${r.name}: ${r.transactions} txs, ${Math.round(r.readingsPerSecond)} readings/s, p50 ${r.latencyMs.p50.toFixed(1)} ms\n`,
    );
  };
  let committedAtSplitSize: ReadingBatch[] = [];
  for (const size of BATCH_SIZES) {
    const { result, committed } = await bench.run({
      name: `new readings, ${size}/tx`,
      kind: 'new readings',
      batchSize: size,
      inFlight: 1,
      next: () => fresh(fleet, size),
    });
    log(result);
    if (size === SPLIT_BATCH) committedAtSplitSize = committed;
  }
  const concurrent = await bench.run({
    name: `new readings, ${SPLIT_BATCH}/tx, ${inFlight} in flight`,
    kind: 'new readings',
    batchSize: SPLIT_BATCH,
    inFlight,
    next: () => fresh(fleet, SPLIT_BATCH),
  });
  log(concurrent.result);
  const oneEach = await bench.run({
    name: `new readings, ${SPLIT_BATCH}/tx from ${SPLIT_BATCH} devices`,
    kind: 'new readings',
    batchSize: SPLIT_BATCH,
    inFlight: 1,
    next: () => fresh(wide, SPLIT_BATCH),
  });
  log(oneEach.result);

  const variant = async (label: string, kind: RunKind, next: () => PlannedBatch): Promise<RunResult> => {
    const { result } = await bench.run({
      name: `${label}, ${SPLIT_BATCH}/tx`,
      kind,
      batchSize: SPLIT_BATCH,
      inFlight: 1,
      next,
    });
    log(result);
    return result;
  };
  let replayed = 0;
  const split: SplitRuns = {
    fresh: runs.find((r) => r.batchSize === SPLIT_BATCH && r.inFlight === 1)!,
    replay: await variant('replay: all duplicates', 'replay (all duplicates)', () => {
      const batch = committedAtSplitSize[replayed++ % committedAtSplitSize.length]!;
      return { batch, expected: { accepted: 0, duplicates: batch.readings, refused: 0, breaches: 0 } };
    }),
    deviceClockAhead: await variant('device clock ahead: CLOCK_SKEW', 'refused CLOCK_SKEW', () =>
      refusedBatch(fleet.nextBatch(SPLIT_BATCH, 'device-clock-ahead'), RefusalCode.ClockSkew),
    ),
    badSignature: await variant('bad signature: BAD_SIGNATURE', 'refused BAD_SIGNATURE', () =>
      refusedBatch(fleet.nextBatch(SPLIT_BATCH, 'bad-signature'), RefusalCode.BadSignature),
    ),
    unknownDevice: await variant('unknown devices: UNKNOWN_DEVICE', 'refused UNKNOWN_DEVICE', () =>
      refusedBatch(ghosts.nextBatch(SPLIT_BATCH), RefusalCode.UnknownDevice),
    ),
  };
  return { runs, split };
}

async function main(): Promise<void> {
  const secondsPerRun = option('--seconds-per-run', 4);
  const inFlight = Math.round(option('--in-flight', 4));
  const chaincodeDir = resolve(textOption('--chaincode-dir') ?? CHAINCODE_DIR);
  const saveBaseline = textOption('--save-baseline');
  // On, as the network runs it (chaincode/src/state-batch.ts); off measures one round trip per key or range.
  const stateBatch = textOption('--state-batch') ?? 'on';
  if (stateBatch !== 'on' && stateBatch !== 'off') throw new Error('--state-batch must be on or off');
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  process.stderr.write('measuring the edge check in-process …\n');
  const edgeCheck = measureEdgeCheck();

  const server = await startChaincodeServer({
    chaincodeId: CHAINCODE_ID,
    packageDir: chaincodeDir,
    stateBatch,
  });
  // Ctrl-C or a kill must not leave the chaincode process behind; 'exit' alone does not run on a signal.
  const onSignal = (signal: NodeJS.Signals): void => {
    void server.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let peer: FakePeer | undefined;
  let measured: Awaited<ReturnType<typeof measure>>;
  try {
    let clock = FIRST_TX_AT;
    peer = await connectFakePeer({
      address: server.address,
      chaincodeId: CHAINCODE_ID,
      channelId: 'provena',
      clock: () => (clock += 1000),
      executeTimeoutMs: EXECUTE_TIMEOUT_MS,
    });
    measured = await measure(server, peer, secondsPerRun, inFlight);
  } catch (err) {
    process.stderr.write(`chaincode server output:\n${server.output()}\n`);
    throw err;
  } finally {
    await peer?.close();
    await server.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const report: ShimBenchReport = {
    machine,
    caveat: CAVEAT,
    setup:
      `One \`fabric-chaincode-node server\` process on ${relative(REPO_DIR, chaincodeDir) || '.'}/dist and one ` +
      `test-double peer on localhost gRPC; ${DEVICES} registered devices with their own P-256 keys, attached to a ` +
      `shipment with a compliance profile (the "from ${SPLIT_BATCH} devices" run: ${SPLIT_BATCH} devices, one ` +
      `reading each per batch); full signed envelopes, devices taking turns in each batch, 1 reading in ` +
      `${BREACH_EVERY} breaking the profile; state calls ${stateBatch === 'on' ? 'batched (GET_STATE_MULTIPLE, one WRITE_BATCH_STATE per transaction)' : 'one key or range at a time'}.`,
    chaincodeDir: relative(REPO_DIR, chaincodeDir) || '.',
    secondsPerRun,
    minTransactionsPerRun: MIN_TRANSACTIONS,
    edgeCheck,
    runs: measured.runs,
    split: splitChaincodeCpu(measured.split),
  };
  let baseline: BenchBaseline | undefined;
  if (saveBaseline !== undefined) {
    baseline = { label: saveBaseline, measuredAt: new Date().toISOString(), report };
    writeFileSync(BASELINE_FILE, JSON.stringify(baseline, null, 2) + '\n');
    process.stderr.write(`baseline written: ${relative(process.cwd(), BASELINE_FILE)}\n`);
  } else if (existsSync(BASELINE_FILE)) {
    baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as BenchBaseline;
  }
  const markdown = renderMarkdown(report, saveBaseline === undefined ? baseline : undefined);
  process.stdout.write(markdown);
  const dir = join(REPO_DIR, 'reports');
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'bench-chaincode-shim.json');
  const md = join(dir, 'bench-chaincode-shim.md');
  writeFileSync(json, JSON.stringify({ ...report, baseline }, null, 2) + '\n');
  writeFileSync(md, markdown);
  process.stdout.write(`\nwritten: ${relative(process.cwd(), json)}, ${relative(process.cwd(), md)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
