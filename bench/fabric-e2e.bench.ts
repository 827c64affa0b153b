/**
 * Throughput on the real network (issue 14): raw Fabric and Provena end to end on one native Fabric network that
 * this benchmark brings up on free ports in a temporary folder and removes at the end, each figure beside the
 * baselines of the same run (bench/baselines.bench.ts: the machine anchor and Mosquitto).
 *
 * - raw Fabric: bench/raw-chaincode (`raw:RecordRaw`, one key per reading and nothing else) deployed beside
 *   Provena's chaincode, same channel and endorsement policy, driven by the gateway's own FabricLedgerAdapter in a
 *   closed loop with N transactions in flight, at each batch size;
 * - Provena: `iot-simulator load` (its own process) → Mosquitto with Provena's settings → the gateway
 *   (`node gateway/dist/main.js`, its batch settings from env) → RecordReadings endorsed by both member
 *   organisations → commit; at each batch size, then an offered-load sweep at the gateway's defaults.
 *
 * A report, not a test. Writes reports/bench-fabric-e2e.{json,md} and prints the Markdown. Settings: BENCH_*
 * (bench/fabric-e2e/bench-settings.ts; README, Benchmarks).
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadGatewayConfig } from '@provena/gateway/dist/config/gateway-config';
import { FabricLedgerAdapter } from '@provena/gateway/dist/ledger/fabric-ledger.adapter';
import { GatewayClient, GatewayRequestError, loadDeviceIds, openFileKeyStore } from '@provena/iot-simulator';
import { freeBasePort } from '../test/support/fabric-network.harness';
import { freePort } from '../test/support/local-ports';
import { startTestBroker } from '../test/support/mosquitto.harness';
import { baselinesOfThisRun, cryptoCeiling } from './fabric-e2e/baselines-input';
import { readFabricBenchSettings, type FabricBenchSettings } from './fabric-e2e/bench-settings';
import { networkEnv, networkScript, startBenchNetwork } from './fabric-e2e/bench-network';
import { runEndToEndStep, type EndToEndStep, type StepContext } from './fabric-e2e/end-to-end.step';
import { markdownReport, type FabricE2eReport, type NetworkSettings } from './fabric-e2e/fabric-e2e.report';
import {
  createApiKey,
  startGateway,
  type GatewayProcess,
  type IngestSettings,
} from './fabric-e2e/gateway-process';
import { newRawEnvelopes, runRawFabric, type RawRun } from './fabric-e2e/raw-fabric.run';
import { childPidsNamed } from './process-cpu';

// Compiled to bench/bench-dist/bench/.
const ROOT = resolve(__dirname, '../../..');
const DEVICE_PREFIX = 'bench-load-';
const say = (text: string): void => void process.stderr.write(`[bench:fabric] ${text}\n`);

/** What has to be undone, last first; run once, also on Ctrl-C. */
class Teardown {
  readonly #steps: { what: string; run: () => Promise<unknown> }[] = [];
  #done: Promise<void> | undefined;
  add(what: string, run: () => Promise<unknown>): void {
    this.#steps.push({ what, run });
  }
  run(): Promise<void> {
    this.#done ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          say(`teardown: ${step.what} failed: ${String(error)}`);
        }
      }
    })();
    return this.#done;
  }
}

async function main(): Promise<void> {
  const settings = readFabricBenchSettings(process.env);
  const started = Date.now();
  const loadAverageStart = loadavg().map((v) => Math.round(v * 100) / 100);
  const problems: string[] = [];
  const baselines = baselinesOfThisRun(ROOT);
  const cores = cpus().length;

  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'provena-bench-fabric-')));
  const teardown = new Teardown();
  if (!settings.keep)
    teardown.add(`remove ${dir}`, async () => rmSync(dir, { recursive: true, force: true }));
  process.once('SIGINT', () => {
    say('interrupted: tearing down');
    void teardown.run().finally(() => process.exit(130));
  });
  say(`working folder ${dir}; load average ${loadAverageStart.join(' ')}`);

  try {
    const netDir = join(dir, 'network');
    const basePort = await freeBasePort();
    // Registered before `up`: a half-started network is stopped too (down stops what has a pid file).
    teardown.add('network down --wipe', () =>
      settings.keep
        ? Promise.resolve()
        : networkScript(ROOT, networkEnv(netDir, basePort, settings.batchTimeout), ['down', '--wipe']),
    );
    say(
      `network up on base port ${basePort}, BatchTimeout ${settings.batchTimeout}, raw chaincode deployed beside`,
    );
    const network = await startBenchNetwork(ROOT, netDir, basePort, settings.batchTimeout);
    const networkSettings = readNetworkSettings(netDir, network.fabricVersion, network.chaincodeVersion);

    const broker = await startTestBroker({ persistence: true });
    teardown.add('stop the broker', () => broker.cleanup());
    const brokerPid = mosquittoPid();

    // ---- raw Fabric
    const raw: RawRun[] = [];
    const rawLedger = new FabricLedgerAdapter(
      loadGatewayConfig({
        ...process.env,
        PROVENA_FABRIC_CONNECTION: network.connectionFile,
        PROVENA_INGEST_ORG: 'ProducerMSP',
        PROVENA_FORECASTING: 'off',
        PROVENA_FABRIC_CHAINCODE: 'raw',
      }).fabric,
    );
    try {
      const envelopes = newRawEnvelopes();
      // The first transaction opens the peers' connections to the raw chaincode servers.
      await rawLedger.submit({ org: 'ProducerMSP', role: 'operator' }, 'raw:RecordRaw', [
        JSON.stringify(envelopes(1)),
      ]);
      const runs: [number, number][] = settings.batchSizes.map((b) => [b, settings.inFlight]);
      const largest = Math.max(...settings.batchSizes);
      if (settings.rawCeilingInFlight > 0 && settings.rawCeilingInFlight !== settings.inFlight) {
        runs.push([largest, settings.rawCeilingInFlight]);
      }
      for (const [batch, inFlight] of runs) {
        say(`raw Fabric: ${batch} readings/tx, ${inFlight} in flight, ${settings.rawSeconds} s`);
        const run = await runRawFabric(rawLedger, network, envelopes, batch, inFlight, settings.rawSeconds);
        say(`  ${run.readingsPerSecond} readings/s, tx p50 ${run.transactionLatencyMs?.p50} ms`);
        if (Object.keys(run.failed).length > 0) {
          problems.push(`raw ${batch}/tx × ${inFlight}: failed submits ${JSON.stringify(run.failed)}`);
        }
        raw.push(run);
      }
    } finally {
      await rawLedger.close();
    }

    // ---- Provena end to end
    const keysFile = join(dir, 'api-keys.json');
    const adminKey = createApiKey(ROOT, keysFile, 'admin', 'ProducerMSP');
    const auditorKey = createApiKey(ROOT, keysFile, 'auditor', 'AuditorMSP');
    const httpPort = await freePort();
    const stateDir = join(dir, 'simulator');
    let gateway: GatewayProcess | undefined;
    teardown.add('stop the gateway', async () => gateway?.stop());
    const gatewayWith = async (ingest: IngestSettings): Promise<GatewayProcess> => {
      await gateway?.stop();
      gateway = await startGateway({
        root: ROOT,
        dir,
        connectionFile: network.connectionFile,
        mqttUrl: broker.url,
        httpPort,
        keysFile,
        ingest,
        log: join(dir, 'gateway.log'),
      });
      const s = gateway.settings;
      say(
        `gateway (pid ${gateway.pid}): batch ≤ ${s.batchSize}, window ${s.batchWindowMs} ms, ${s.maxConcurrentBatches} in flight`,
      );
      return gateway;
    };
    const context: StepContext = {
      root: ROOT,
      dir,
      network,
      brokerUrl: broker.url,
      brokerPid,
      auditorKey,
      stateDir,
      devices: settings.devices,
      devicePrefix: DEVICE_PREFIX,
      clients: settings.clients,
      commitWaitSeconds: settings.commitWaitSeconds,
      warmupSeconds: settings.warmupSeconds,
      p99LimitMs: settings.p99LimitMs,
    };

    const batchRuns: EndToEndStep[] = [];
    const defaults = (await gatewayWith({})).settings;
    await provisionLoadDevices(gateway!.url, adminKey, stateDir, settings.devices);
    for (const batch of settings.batchSizes) {
      const rawRate = raw.find((x) => x.readingsPerTransaction === batch && x.inFlight === settings.inFlight);
      const rate = Math.max(
        1,
        Math.min(
          settings.batchRunMaxRate,
          Math.round((rawRate?.readingsPerSecond ?? 0) * settings.batchRunOverload),
        ),
      );
      const g = await gatewayWith({ batchSize: batch, maxConcurrentBatches: settings.inFlight });
      say(`Provena: ${batch} readings/tx, offered ${rate}/s for ${settings.batchRunSeconds} s`);
      const step = await runEndToEndStep(
        context,
        g,
        `Provena ${batch}/tx × ${settings.inFlight}`,
        rate,
        settings.batchRunSeconds,
      );
      logStep(step);
      batchRuns.push(step);
    }

    const sweep: EndToEndStep[] = [];
    const notRun: number[] = [];
    let atRest: EndToEndStep | null = null;
    let notRunReason: string | null = null;
    let failing = 0;
    const g = await gatewayWith(settings.sweepIngest);
    const sweepStep = async (rate: number, label: string): Promise<EndToEndStep> => {
      say(`sweep: offered ${rate}/s for ${settings.sweepSeconds} s`);
      const step = await runEndToEndStep(context, g, label, rate, settings.sweepSeconds);
      logStep(step);
      sweep.push(step);
      if (!step.drained) {
        notRunReason = `step ${rate}/s left a backlog the gateway had not committed ${settings.commitWaitSeconds} s after it`;
      }
      return step;
    };
    if (settings.atRestSeconds > 0) {
      say(`at rest: 1 reading/s for ${settings.atRestSeconds} s`);
      atRest = await runEndToEndStep(context, g, 'at rest 1/s', 1, settings.atRestSeconds);
      logStep(atRest);
    }
    for (const rate of settings.sweepRates) {
      if (notRunReason !== null) {
        notRun.push(rate);
        continue;
      }
      if (!(await sweepStep(rate, `sweep ${rate}/s`)).holds) failing++;
      if (notRunReason === null && failing > settings.sweepPastKnee) {
        notRunReason = `past the knee: ${failing} steps missed their target (BENCH_SWEEP_PAST_KNEE=${settings.sweepPastKnee})`;
      }
    }
    for (
      let i = 0;
      i < settings.sweepRefine && (notRunReason === null || notRunReason.startsWith('past'));
      i++
    ) {
      const rate = refinedRate(sweep);
      if (rate === undefined) break;
      await sweepStep(rate, `sweep ${rate}/s (refined)`);
    }
    sweep.sort((a, b) => a.offeredPerSecond - b.offeredPerSecond);
    await g.stop();

    const report = buildReport({
      settings,
      started,
      loadAverageStart,
      cores,
      baselines,
      networkSettings,
      defaults,
      raw,
      batchRuns,
      atRest,
      sweep,
      notRun,
      notRunReason,
      problems,
    });
    writeReports(report);
    if (settings.keep)
      say(
        `kept (BENCH_KEEP=1): ${dir}; stop with PROVENA_NETWORK_DIR=${netDir} bash network/network.sh down --wipe`,
      );
  } finally {
    await teardown.run();
  }
}

/** Registers the load devices' public keys through the REST API, as any device is provisioned (admin of ProducerMSP). */
async function provisionLoadDevices(
  url: string,
  adminKey: string,
  stateDir: string,
  count: number,
): Promise<void> {
  const t0 = Date.now();
  const keys = await openFileKeyStore({ directory: join(stateDir, 'keys') });
  const client = new GatewayClient({ baseUrl: url, apiKeys: { ProducerMSP: { admin: adminKey } } });
  const queue = loadDeviceIds(count, DEVICE_PREFIX);
  const worker = async (): Promise<void> => {
    for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift()) {
      const publicKeyPem = await keys.ensureKey(deviceId);
      for (let attempt = 1; ; attempt++) {
        try {
          await client.provisionDevice({
            deviceId,
            publicKeyPem,
            ownerOrg: 'ProducerMSP',
            kind: 'load-device',
            metadata: {},
          });
          break;
        } catch (error) {
          if (error instanceof GatewayRequestError && error.status === 409) break; // registered already
          if (attempt >= 5) throw error;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  say(`provisioned ${count} load devices through the REST API in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * A rate between the highest step that held and the first that did not (or, when none held, 80 % of the best rate
 * committed), to place the knee more closely; undefined when every step held or the gap is under 10 %.
 */
function refinedRate(steps: readonly EndToEndStep[]): number | undefined {
  const sorted = [...steps].sort((a, b) => a.offeredPerSecond - b.offeredPerSecond);
  const firstFailing = sorted.find((s) => !s.holds);
  if (!firstFailing) return undefined;
  const lastHolding = sorted
    .filter((s) => s.holds && s.offeredPerSecond < firstFailing.offeredPerSecond)
    .pop();
  const low = lastHolding?.offeredPerSecond ?? 0;
  const candidate = lastHolding
    ? (low + firstFailing.offeredPerSecond) / 2
    : 0.8 * Math.max(...sorted.map((s) => s.committedPerSecond));
  const rate = Math.round(candidate / 10) * 10;
  if (rate <= low || rate >= firstFailing.offeredPerSecond * 0.9 || rate < 10) return undefined;
  if (sorted.some((s) => s.offeredPerSecond === rate)) return undefined;
  return rate;
}

function mosquittoPid(): number {
  const pids = childPidsNamed('mosquitto');
  if (pids.length !== 1) throw new Error(`expected one mosquitto child process, found ${pids.length}`);
  return pids[0]!;
}

function logStep(step: EndToEndStep): void {
  say(
    `  committed ${step.committedPerSecond}/s (offered ${step.offeredPerSecond}/s), publish→commit p50 ` +
      `${step.publishToCommitMs?.p50} ms p99 ${step.publishToCommitMs?.p99} ms, lost ${step.lost}, duplicated ` +
      `${step.duplicated}, batch ${step.meanBatchSize}` +
      [...step.misses, ...step.problems].map((p) => `; ${p}`).join(''),
  );
}

/** The settings the network was built with, from its own rendered configuration (configtx.yaml, core.yaml). */
function readNetworkSettings(
  netDir: string,
  fabricVersion: string,
  chaincodeVersion: string,
): NetworkSettings {
  const configtx = readFileSync(join(netDir, 'config', 'configtx.yaml'), 'utf8');
  const field = (text: string, name: string): string =>
    new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm')
      .exec(text)?.[1]
      ?.trim()
      .replace(/^['"]|['"]$/g, '') ?? '?';
  const peerDir = readdirSync(join(netDir, 'nodes')).find((d) => d.startsWith('peer0-'));
  const core = peerDir ? readFileSync(join(netDir, 'nodes', peerDir, 'core.yaml'), 'utf8') : '';
  const env = readFileSync(join(netDir, 'network.env'), 'utf8');
  return {
    fabricVersion,
    chaincodeVersion,
    ...gitState(),
    orderers: Number(/^NET_ORDERERS=(\d+)$/m.exec(env)?.[1] ?? 1),
    batchTimeout: field(configtx, 'BatchTimeout'),
    maxMessageCount: field(configtx, 'MaxMessageCount'),
    preferredMaxBytes: field(configtx, 'PreferredMaxBytes'),
    absoluteMaxBytes: field(configtx, 'AbsoluteMaxBytes'),
    endorsementPolicy: /^NET_ENDORSEMENT=any-member$/m.test(env)
      ? "OR('ProducerMSP.peer','CarrierMSP.peer')"
      : "AND('ProducerMSP.peer','CarrierMSP.peer')",
    gatewayServiceConcurrency: field(core, 'gatewayService'),
  };
}

/** HEAD, and whether the working tree differs from it. */
function gitState(): { gitCommit: string; gitDirty: boolean } {
  const git = (...args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    gitCommit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    gitDirty: git('status', '--porcelain') !== '',
  };
}

function buildReport(x: {
  settings: FabricBenchSettings;
  started: number;
  loadAverageStart: number[];
  cores: number;
  baselines: ReturnType<typeof baselinesOfThisRun>;
  networkSettings: NetworkSettings;
  defaults: GatewayProcess['settings'];
  raw: RawRun[];
  batchRuns: EndToEndStep[];
  atRest: EndToEndStep | null;
  sweep: EndToEndStep[];
  notRun: number[];
  notRunReason: string | null;
  problems: string[];
}): FabricE2eReport {
  const { settings, sweep } = x;
  const withinLimit = sweep.filter(
    (s) =>
      s.publishToCommitMs !== undefined &&
      s.publishToCommitMs.p99 <= settings.p99LimitMs &&
      s.lost === 0 &&
      s.duplicated === 0,
  );
  const best = withinLimit.reduce<EndToEndStep | undefined>(
    (a, b) => (a === undefined || b.committedPerSecond > a.committedPerSecond ? b : a),
    undefined,
  );
  const bestRaw = x.raw.reduce<RawRun | undefined>(
    (a, b) => (a === undefined || b.readingsPerSecond > a.readingsPerSecond ? b : a),
    undefined,
  );
  const firstFailing = sweep.find((s) => !s.holds);
  const holding = sweep.filter(
    (s) => s.holds && (firstFailing === undefined || s.offeredPerSecond < firstFailing.offeredPerSecond),
  );
  const all = [...x.batchRuns, ...(x.atRest ? [x.atRest] : []), ...sweep];
  const problems = [
    ...x.problems,
    ...all.flatMap((s) => s.problems.map((p) => `${s.label}: ${p}`)),
    ...sweep.flatMap((s) => s.misses.map((p) => `${s.label} did not hold its offered load: ${p}`)),
    ...(best === undefined ? [`no sweep step kept p99 publish→commit within ${settings.p99LimitMs} ms`] : []),
  ];
  const batches = [...new Set([1, 10, 50, 200, ...settings.batchSizes])].sort((a, b) => a - b);
  return {
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - x.started) / 1000),
    endToEnd: {
      ...(Object.keys(settings.sweepIngest).length > 0 && { sweepOverrides: settings.sweepIngest }),
      readingsPerSecond: best?.committedPerSecond ?? 0,
      p99PublishToCommitMs: best?.publishToCommitMs?.p99 ?? null,
      offeredPerSecond: best?.offeredPerSecond ?? null,
      lost: all.reduce((sum, s) => sum + s.lost, 0),
      duplicated: all.reduce((sum, s) => sum + s.duplicated, 0),
    },
    rawFabric: {
      readingsPerSecond: bestRaw?.readingsPerSecond ?? 0,
      readingsPerTransaction: bestRaw?.readingsPerTransaction ?? 0,
      inFlight: bestRaw?.inFlight ?? 0,
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      cores: x.cores,
      node: process.version,
      loadAverageStart: x.loadAverageStart,
      loadAverageEnd: loadavg().map((v) => Math.round(v * 100) / 100),
    },
    baselines: {
      ...x.baselines,
      cryptoCeiling: batches.map((b) => cryptoCeiling(x.baselines.anchorVerifiesPerSecond, x.cores, b)),
    },
    settings: { network: x.networkSettings, gatewayDefaults: x.defaults, bench: settings },
    raw: x.raw,
    batchRuns: x.batchRuns,
    atRest: x.atRest,
    sweep: {
      steps: sweep,
      knee: {
        holdsUpTo: holding.length > 0 ? holding[holding.length - 1]!.offeredPerSecond : null,
        failsAt: firstFailing?.offeredPerSecond ?? null,
      },
      notRun: x.notRun,
      notRunReason: x.notRunReason,
    },
    problems,
  };
}

function writeReports(report: FabricE2eReport): void {
  const dir = join(ROOT, 'reports');
  mkdirSync(dir, { recursive: true });
  const markdown = markdownReport(report);
  writeFileSync(join(dir, 'bench-fabric-e2e.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(dir, 'bench-fabric-e2e.md'), markdown);
  process.stdout.write(markdown);
  process.stdout.write('\nwritten: reports/bench-fabric-e2e.json, reports/bench-fabric-e2e.md\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
