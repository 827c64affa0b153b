/**
 * The two baselines every other Provena figure is read against, measured on the machine at hand:
 *
 * - the machine anchor: ECDSA P-256 verifications per second on one core with node:crypto, over the canonical
 *   bytes of a real signed reading, key parsed once (as the gateway and the chaincode keep it);
 * - the broker baseline: QoS 1 messages per second through Mosquitto (Provena's shipped settings, persistence
 *   off) with one MQTT 5 publisher and one subscriber, payloads exactly the size of a signed reading, every
 *   message numbered so loss and duplicates are counted rather than assumed.
 *
 * A report, not a test. Prints Markdown and writes reports/bench-baselines.{json,md}.
 *
 *   BENCH_SECONDS=10 BENCH_REPETITIONS=3 BENCH_WINDOW=1000 node bench/bench-dist/bench/baselines.bench.js
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type IConnackPacket, type MqttClient } from 'mqtt';
import {
  canonicalReadingBytes,
  decodeSignedReading,
  encodeSignedReading,
  parseDevicePrivateKey,
  parseDevicePublicKey,
  READING_FORMAT_VERSION,
  sealReading,
  verifyReadingSignature,
  type Reading,
} from '@provena/wire';
import { loadDeviceIds, newLoadSampler } from '@provena/iot-simulator';
import { childPidsNamed, processCpuSeconds } from './process-cpu';
import { startTestBroker, type TestBroker } from '../test/support/mosquitto.harness';
import { median, timeOps } from '../wire/src/tools/micro-bench';

// Compiled to bench/bench-dist/bench/.
const ROOT = resolve(__dirname, '../../..');
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
/**
 * Sequence numbers start here so every payload has the same width: a device well into its life (one reading a
 * minute for two years) rather than one at seq 1, and a counter that can be rewritten in place.
 */
const SEQ_BASE = 1_000_000;
const SEQ_LAST = 9_999_999;
/** After publishing stops, how long to wait without progress for outstanding PUBACKs and deliveries. */
const DRAIN_IDLE_MS = 3000;

interface BenchConfig {
  /** Seconds of publishing per broker repetition. */
  seconds: number;
  repetitions: number;
  /** Unacknowledged QoS 1 publishes the publisher allows itself. */
  window: number;
  anchorSecondsPerRound: number;
  anchorRounds: number;
}

/** Reads the BENCH_* variables once; a bad value stops the run with a message naming every bad one. */
function readConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const problems: string[] = [];
  const positive = (name: string, fallback: number, integer: boolean): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      problems.push(`${name}=${raw} (must be a positive ${integer ? 'integer' : 'number'})`);
    }
    return value;
  };
  const config: BenchConfig = {
    seconds: positive('BENCH_SECONDS', 10, false),
    repetitions: positive('BENCH_REPETITIONS', 3, true),
    window: positive('BENCH_WINDOW', 1000, true),
    anchorSecondsPerRound: positive('BENCH_ANCHOR_SECONDS', 1, false),
    anchorRounds: positive('BENCH_ANCHOR_ROUNDS', 5, true),
  };
  if (problems.length > 0) throw new Error(`bad benchmark settings: ${problems.join('; ')}`);
  return config;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

/**
 * The reading a simulator load run publishes (`iot-simulator load`: its device ids, its sampler, seeded), so the
 * payload is the size the gateway sees under load, not a hand-made one.
 */
function loadRunReading(seq: number, measuredAt: number): Reading {
  const deviceId = loadDeviceIds(1)[0]!;
  return { v: READING_FORMAT_VERSION, deviceId, seq, ...newLoadSampler().sample(deviceId, measuredAt) };
}

/** A device key pair as the rest of Provena holds it: PEM at rest, parsed once into KeyObjects. */
function deviceKeys(): { privateKey: ReturnType<typeof parseDevicePrivateKey>; publicPem: string } {
  const pair = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey: parseDevicePrivateKey(pair.privateKey), publicPem: pair.publicKey };
}

// ---------------------------------------------------------------------------------------------------------------
// Machine anchor

interface AnchorCase {
  name: string;
  what: string;
  /** Median over rounds. */
  microsPerOp: number;
  opsPerSecond: number;
  /** µs per op of each round. */
  rounds: number[];
  /** Process CPU time over wall time while measuring: about 1.0 means one core busy, no more. */
  coresUsed: number;
}

function measure(name: string, what: string, op: () => unknown, seconds: number, rounds: number): AnchorCase {
  const timing = timeOps(op, seconds, rounds);
  return {
    name,
    what,
    microsPerOp: round(timing.microsPerOp, 2),
    opsPerSecond: Math.round(1e6 / timing.microsPerOp),
    rounds: timing.rounds.map((m) => round(m, 2)),
    coresUsed: round(timing.coresUsed, 2),
  };
}

function measureAnchor(config: BenchConfig): { cases: AnchorCase[]; canonicalBytes: number } {
  const { privateKey, publicPem } = deviceKeys();
  const publicKey = parseDevicePublicKey(publicPem);
  const signed = sealReading(loadRunReading(SEQ_BASE, Date.now()), privateKey);
  const canonical = canonicalReadingBytes(signed.reading);
  const rawSignature = Buffer.from(signed.signature, 'base64url');
  const verifyRaw = (): boolean =>
    verify('sha256', canonical, { key: publicKey, dsaEncoding: 'ieee-p1363' }, rawSignature);
  // A benchmark of a verification that fails would measure the wrong path.
  if (!verifyRaw()) throw new Error('anchor signature does not verify');
  verifyReadingSignature(signed.reading, signed.signature, publicKey);

  const cases = [
    measure(
      'anchor: P-256 verify',
      `node:crypto verify(), SHA-256 over the ${canonical.byteLength}-byte canonical reading, cached KeyObject, IEEE P1363 signature`,
      verifyRaw,
      config.anchorSecondsPerRound,
      config.anchorRounds,
    ),
    measure(
      'verifyReadingSignature',
      "@provena/wire's check: canonicalise the reading, signature form and low-S checks, then the same verify",
      () => verifyReadingSignature(signed.reading, signed.signature, publicKey),
      config.anchorSecondsPerRound,
      config.anchorRounds,
    ),
  ];
  return { cases, canonicalBytes: canonical.byteLength };
}

// ---------------------------------------------------------------------------------------------------------------
// Broker baseline

/**
 * The bytes a device publishes for one reading, with its `seq` and `measuredAt` rewritten in place per message
 * (same digit count, so the size never changes). The signature is the template's: valid for the template, stale
 * for the rewritten copies, which the broker never checks. Signing each message instead would make the publisher,
 * not the broker, the bottleneck (a P-256 signature costs about as much as a broker round trip).
 */
interface PayloadTemplate {
  bytes: Buffer;
  seqOffset: number;
  seqDigits: number;
  measuredAtOffset: number;
  measuredAtDigits: number;
}

function payloadTemplate(): PayloadTemplate {
  const { privateKey, publicPem } = deviceKeys();
  const signed = sealReading(loadRunReading(SEQ_BASE, Date.now()), privateKey);
  const bytes = encodeSignedReading(signed);
  // The template must be a reading the gateway would accept as it stands.
  verifyReadingSignature(
    decodeSignedReading(bytes).reading,
    signed.signature,
    parseDevicePublicKey(publicPem),
  );
  const field = (name: string, value: number): { offset: number; digits: number } => {
    const marker = `"${name}":${value}`;
    const at = bytes.indexOf(marker);
    if (at < 0) throw new Error(`payload template has no ${marker}`);
    return { offset: at + marker.length - String(value).length, digits: String(value).length };
  };
  const seq = field('seq', signed.reading.seq);
  const measuredAt = field('measuredAt', signed.reading.measuredAt);
  return {
    bytes,
    seqOffset: seq.offset,
    seqDigits: seq.digits,
    measuredAtOffset: measuredAt.offset,
    measuredAtDigits: measuredAt.digits,
  };
}

function payloadFor(template: PayloadTemplate, seq: number, measuredAt: number): Buffer {
  const payload = Buffer.from(template.bytes);
  payload.write(String(seq), template.seqOffset, template.seqDigits, 'latin1');
  payload.write(String(measuredAt), template.measuredAtOffset, template.measuredAtDigits, 'latin1');
  return payload;
}

function readPayload(template: PayloadTemplate, payload: Buffer): { seq: number; measuredAt: number } | null {
  if (payload.byteLength !== template.bytes.byteLength) return null;
  const seq = Number(payload.toString('latin1', template.seqOffset, template.seqOffset + template.seqDigits));
  const measuredAt = Number(
    payload.toString(
      'latin1',
      template.measuredAtOffset,
      template.measuredAtOffset + template.measuredAtDigits,
    ),
  );
  return Number.isInteger(seq) && Number.isInteger(measuredAt) ? { seq, measuredAt } : null;
}

/** utime + stime of the broker, in seconds; it must still be running. */
function brokerCpuSeconds(pid: number): number {
  const seconds = processCpuSeconds(pid);
  if (seconds === undefined) throw new Error(`the broker (pid ${pid}) is gone`);
  return seconds;
}

/**
 * The harness does not expose its Mosquitto's pid; it spawns the binary directly, so the broker is the one
 * child of this process named mosquitto.
 */
function mosquittoChildPid(): number {
  const pids = childPidsNamed('mosquitto');
  if (pids.length !== 1) throw new Error(`expected one mosquitto child process, found ${pids.length}`);
  return pids[0]!;
}

function mosquittoVersion(): string {
  const out = spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' });
  return /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown';
}

function connectClient(
  url: string,
  clientId: string,
): Promise<{ client: MqttClient; connack: IConnackPacket }> {
  return new Promise((resolveConnect, reject) => {
    const client = connect(url, {
      clientId,
      protocolVersion: 5,
      clean: true,
      // A dropped connection must fail the run, not be papered over by a silent reconnect.
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    client.once('connect', (connack) => resolveConnect({ client, connack }));
    client.once('error', reject);
  });
}

/** Per-sequence-number flags, growing as the publisher goes. */
const PUBLISHED = 1;
const ACKED = 2;
const RECEIVED = 4;

interface BrokerRun {
  repetition: number;
  published: number;
  /** Publishes the broker acknowledged with a successful PUBACK. */
  acknowledged: number;
  /** Publishes that failed (PUBACK with an error reason, or the connection lost). */
  failed: number;
  /** Distinct sequence numbers the subscriber received. */
  received: number;
  /** Acknowledged but never received. */
  lost: number;
  duplicates: number;
  /** Received though the publisher never saw its PUBACK. */
  receivedUnacknowledged: number;
  malformed: number;
  /** From the first publish to the last delivery. */
  wallSeconds: number;
  /** Distinct deliveries per second of wall time. */
  messagesPerSecond: number;
  acknowledgedPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  mosquittoCpuSeconds: number;
  benchCpuSeconds: number;
  serverReceiveMaximum: number | null;
  stoppedAtSeqLimit: boolean;
}

async function runBrokerRepetition(
  broker: TestBroker,
  mosquittoPid: number,
  template: PayloadTemplate,
  config: BenchConfig,
  repetition: number,
): Promise<BrokerRun> {
  const topic = `provena/bench/baselines/${process.pid}/${repetition}`;
  let flags = new Uint8Array(1 << 20);
  const flagsAt = (seq: number): number => {
    const i = seq - SEQ_BASE;
    while (i >= flags.length) {
      const grown = new Uint8Array(flags.length * 2);
      grown.set(flags);
      flags = grown;
    }
    return i;
  };

  const latencies: number[] = [];
  let received = 0;
  let duplicates = 0;
  let malformed = 0;
  let lastDeliveryAt = 0;
  const sub = await connectClient(broker.url, `bench-sub-${process.pid}-${repetition}`);
  let failure: Error | undefined;
  const fail = (error: Error): void => void (failure ??= error);
  sub.client.on('error', fail);
  const subscriberClosed = (): void => fail(new Error('subscriber connection closed during the run'));
  sub.client.on('close', subscriberClosed);
  sub.client.on('message', (_topic, payload) => {
    const now = Date.now();
    const fields = readPayload(template, payload);
    if (!fields || fields.seq < SEQ_BASE || fields.seq > SEQ_LAST) {
      malformed++;
      return;
    }
    const i = flagsAt(fields.seq);
    if (flags[i]! & RECEIVED) {
      duplicates++;
      return;
    }
    flags[i]! |= RECEIVED;
    received++;
    lastDeliveryAt = performance.now();
    latencies.push(now - fields.measuredAt);
  });
  await sub.client.subscribeAsync(topic, { qos: 1 });

  const pub = await connectClient(broker.url, `bench-pub-${process.pid}-${repetition}`);
  pub.client.on('error', fail);
  const closedEarly = (): void => fail(new Error('publisher connection closed during the run'));
  pub.client.on('close', closedEarly);

  let nextSeq = SEQ_BASE;
  let inFlight = 0;
  let acknowledged = 0;
  let failed = 0;
  let lastAckAt = 0;
  let stoppedAtSeqLimit = false;
  const mosquittoCpu0 = brokerCpuSeconds(mosquittoPid);
  const benchCpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + config.seconds * 1000;

  await new Promise<void>((resolvePublishing) => {
    // Unanswered publishes must not hang the run: give up once nothing has moved for DRAIN_IDLE_MS.
    let seen = -1;
    const watchdog = setInterval(() => {
      if (performance.now() < deadline) return;
      const progress = acknowledged + failed + received;
      if (progress === seen || failure) publishingDone();
      seen = progress;
    }, DRAIN_IDLE_MS);
    const publishingDone = (): void => {
      clearInterval(watchdog);
      resolvePublishing();
    };
    const pump = (): void => {
      while (inFlight < config.window && !failure) {
        if (performance.now() >= deadline) break;
        if (nextSeq > SEQ_LAST) {
          stoppedAtSeqLimit = true;
          break;
        }
        const seq = nextSeq++;
        flags[flagsAt(seq)]! |= PUBLISHED;
        inFlight++;
        pub.client.publish(topic, payloadFor(template, seq, Date.now()), { qos: 1 }, (error) => {
          inFlight--;
          if (error) failed++;
          else {
            flags[flagsAt(seq)]! |= ACKED;
            acknowledged++;
            lastAckAt = performance.now();
          }
          pump();
        });
      }
      if (inFlight === 0) publishingDone();
    };
    pump();
  });

  // Deliveries may trail the last PUBACK.
  for (let idle = 0, seen = received; received < acknowledged && idle < DRAIN_IDLE_MS && !failure;) {
    await new Promise((r) => setTimeout(r, 20));
    idle = received === seen ? idle + 20 : 0;
    seen = received;
  }
  const wallSeconds = (Math.max(lastDeliveryAt, lastAckAt) - start) / 1000;
  const benchCpu = process.cpuUsage(benchCpu0);
  const mosquittoCpuSeconds = brokerCpuSeconds(mosquittoPid) - mosquittoCpu0;
  const published = nextSeq - SEQ_BASE;
  pub.client.off('close', closedEarly);
  sub.client.off('close', subscriberClosed);
  await pub.client.endAsync();
  await sub.client.endAsync();
  if (failure) throw failure;

  let lost = 0;
  let receivedUnacknowledged = 0;
  for (let i = 0; i < published; i++) {
    const f = flags[i]!;
    if (f & ACKED && !(f & RECEIVED)) lost++;
    if (f & RECEIVED && !(f & ACKED)) receivedUnacknowledged++;
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    repetition,
    published,
    acknowledged,
    failed,
    received,
    lost,
    duplicates,
    receivedUnacknowledged,
    malformed,
    wallSeconds: round(wallSeconds, 3),
    messagesPerSecond: Math.round(received / wallSeconds),
    acknowledgedPerSecond: Math.round(acknowledged / ((lastAckAt - start) / 1000)),
    latencyMs: {
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      max: quantile(sorted, 1),
    },
    mosquittoCpuSeconds: round(mosquittoCpuSeconds, 2),
    benchCpuSeconds: round((benchCpu.user + benchCpu.system) / 1e6, 2),
    serverReceiveMaximum: pub.connack.properties?.receiveMaximum ?? null,
    stoppedAtSeqLimit,
  };
}

// ---------------------------------------------------------------------------------------------------------------

function markdownReport(report: {
  machine: string;
  config: BenchConfig;
  anchor: { cases: AnchorCase[]; canonicalBytes: number };
  broker: {
    mosquittoVersion: string;
    payloadBytes: number;
    runs: BrokerRun[];
    median: { messagesPerSecond: number; p50: number; p99: number; mosquittoCpu: number; benchCpu: number };
  };
}): string {
  const { config, anchor, broker } = report;
  const receiveMaximum = broker.runs[0]?.serverReceiveMaximum;
  const runRow = (r: BrokerRun): string =>
    `| ${r.repetition} | ${thousands(r.messagesPerSecond)} | ${thousands(r.acknowledged)} | ${thousands(r.received)} | ${r.lost} | ${r.duplicates} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.mosquittoCpuSeconds} | ${r.benchCpuSeconds} | ${r.wallSeconds} |`;
  return [
    '# Baselines: machine anchor and broker',
    '',
    report.machine,
    '',
    '## Machine anchor (one core)',
    '',
    `Median of ${config.anchorRounds} rounds of ${config.anchorSecondsPerRound} s, after a warm-up round.`,
    '',
    '| case | µs/op | ops/s | cores busy | what |',
    '|---|---:|---:|---:|---|',
    ...anchor.cases.map(
      (c) => `| ${c.name} | ${c.microsPerOp} | ${thousands(c.opsPerSecond)} | ${c.coresUsed} | ${c.what} |`,
    ),
    '',
    '## Broker baseline (Mosquitto, QoS 1, one publisher, one subscriber)',
    '',
    `Mosquitto ${broker.mosquittoVersion} from the test harness (network/mosquitto/conf.d settings, persistence off), ` +
      `MQTT 5 via mqtt.js, both clients in this process; payload ${broker.payloadBytes} bytes (one encoded signed ` +
      `reading as \`iot-simulator load\` publishes it, at seq ${thousands(SEQ_BASE)}, nothing padded); at most ${thousands(config.window)} publishes unacknowledged (broker's Receive ` +
      `Maximum: ${receiveMaximum ?? 'not sent'}); ${config.repetitions} × ${config.seconds} s.`,
    '',
    '| run | msg/s delivered | PUBACKed | received (distinct) | lost | duplicates | latency p50 ms | p99 ms | mosquitto CPU s | bench CPU s | wall s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...broker.runs.map(runRow),
    `| **median** | **${thousands(broker.median.messagesPerSecond)}** | | | | | **${broker.median.p50}** | **${broker.median.p99}** | ${broker.median.mosquittoCpu} | ${broker.median.benchCpu} | |`,
    '',
    'msg/s = distinct sequence numbers received ÷ time from the first publish to the last delivery. lost = ' +
      'PUBACKed but never received. Latency = receipt time − the publish time the payload carries (its ' +
      '`measuredAt`, whole milliseconds, so ±1 ms). CPU = user + system time over the run (mosquitto from ' +
      '/proc/<pid>/stat; bench = this Node process, publisher and subscriber together). With the window ' +
      'full, latency ≈ window ÷ rate (Little): it shows the queue the window allows, not the broker’s own delay.',
    ...(receiveMaximum != null && config.window > receiveMaximum
      ? [
          '',
          `The window exceeds the Receive Maximum the broker advertises (${receiveMaximum}, Mosquitto's ` +
            'max_inflight_messages default); mqtt.js does not enforce it and Mosquitto accepted the excess ' +
            'QoS 1 publishes (no disconnect). BENCH_WINDOW sets the window.',
        ]
      : []),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  // The load average says whether something else shared the cores while this ran.
  const machine =
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; ` +
    `load average ${loadavg()[0]!.toFixed(2)} at the start`;

  process.stderr.write('measuring the machine anchor...\n');
  const anchor = measureAnchor(config);

  const template = payloadTemplate();
  const broker = await startTestBroker({ persistence: false });
  const runs: BrokerRun[] = [];
  try {
    const mosquittoPid = mosquittoChildPid();
    for (let repetition = 1; repetition <= config.repetitions; repetition++) {
      process.stderr.write(`broker run ${repetition}/${config.repetitions} (${config.seconds} s)...\n`);
      runs.push(await runBrokerRepetition(broker, mosquittoPid, template, config, repetition));
    }
  } catch (error) {
    process.stderr.write(`mosquitto log:\n${await broker.log()}\n`);
    throw error;
  } finally {
    await broker.cleanup();
  }

  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    config,
    anchor,
    broker: {
      mosquittoVersion: mosquittoVersion(),
      settings: 'network/mosquitto/conf.d with persistence false; MQTT 5; QoS 1 publish and subscription',
      payloadBytes: template.bytes.byteLength,
      runs,
      median: {
        messagesPerSecond: median(runs.map((r) => r.messagesPerSecond)),
        p50: median(runs.map((r) => r.latencyMs.p50)),
        p99: median(runs.map((r) => r.latencyMs.p99)),
        mosquittoCpu: median(runs.map((r) => r.mosquittoCpuSeconds)),
        benchCpu: median(runs.map((r) => r.benchCpuSeconds)),
      },
    },
  };
  const markdown = markdownReport(report);
  const dir = join(ROOT, 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench-baselines.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, 'bench-baselines.md'), markdown);
  process.stdout.write(markdown);
  process.stdout.write('\nwritten: reports/bench-baselines.json, reports/bench-baselines.md\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
