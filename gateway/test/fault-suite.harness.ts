import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  newMemorySequenceStore,
  openFileKeyStore,
  openMqttReceiptFeed,
  openMqttRejectionFeed,
  type DeviceKeyStore,
  type ReadingPublisher,
  type ReceiptFeed,
  type RejectionFeed,
  type SimulatedDevice,
} from '@provena/iot-simulator';
import { nodePid, type TestNetwork } from '../../test/support/fabric-network.harness';
import { killNode, resumeNetwork } from '../../test/support/fabric-node-outage';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { IngestService } from '../src/ingest/ingest.service';
import { GatewayMetrics } from '../src/observability/gateway-metrics';
import {
  checkLedgerAfterFault,
  firstOffenders,
  formatFaultReportTable,
  type FaultCaseReport,
} from './fault-checker';
import { startFaultFleet } from './fault-fleet';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { newLedgerUnderTest, runId } from './ledger-under-test';

// The fault suite on the real network (issue 13, item 3): the gateway app on a Fabric test network, a real
// Mosquitto, and signing devices that keep each reading until a receipt says it is on the ledger. Each case
// publishes at a steady rate, injects its fault mid-stream, waits for every reading to be receipted, then reads
// the ledger once: every reading sent is there exactly once and nothing else is. The table goes to the log.

const OWNER = 'ProducerMSP';
const DEVICES = 10;
/** Readings a second, all devices together: below the knee the benchmark finds (750–1,000/s on a quiet machine). */
const RATE_PER_SECOND = 400;
/** Well above publish→commit at this rate, so a resend means the gateway lost track of a reading, not a slow peer. */
const RESEND_AFTER_MS = 20_000;
/** Bound on a case healing: every reading receipted once the fault is over. */
const HEAL_WITHIN_MS = 180_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fault, injected while readings flow; resolves when the fault is over (the node back or resumed). */
export type Fault = (net: TestNetwork, at: (label: string) => void) => Promise<void>;

/** Stops (SIGSTOP) a node for `ms`, then lets it go on (SIGCONT): a frozen process, connections open, no answers. */
export async function freeze(net: TestNetwork, node: string, ms: number): Promise<void> {
  const pid = nodePid(net.dir, node);
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/**
 * SIGKILLs nodes, leaves them down for `ms`, then `network.sh up` starts them again from their ledgers on disk.
 * When `up` fails the case fails with its message; one more `up` first tries to leave the network whole for the
 * test files after this one, which share it.
 */
export async function killFor(net: TestNetwork, nodes: readonly string[], ms: number): Promise<void> {
  for (const node of nodes) await killNode(net, node);
  await sleep(ms);
  try {
    await resumeNetwork(net);
  } catch (error) {
    await resumeNetwork(net).catch(() => undefined);
    throw error;
  }
}

/** The gateway, broker and feeds one fault suite runs its cases against. */
export interface FaultSuite {
  /**
   * Publishes `total` readings from a fresh fleet at {@link RATE_PER_SECOND}, runs `fault` once `faultAt` of them
   * are handed over (one fault at a time), waits for every reading to be receipted, and checks the ledger: every
   * reading sent is there once, nothing refused, nothing else written. Adds a row to the table and a line to the
   * notes that {@link FaultSuite.close} prints.
   */
  runCase(name: string, total: number, faultAt: readonly number[], fault: Fault): Promise<void>;
  /** Prints the table and notes of the cases run, and stops everything the suite started. */
  close(): Promise<void>;
}

/** Starts a broker of its own and the gateway app on `net`, ingesting as ProducerMSP. */
export async function openFaultSuite(net: TestNetwork, name: string): Promise<FaultSuite> {
  const dir = await mkdtemp(join(tmpdir(), `provena-${name}-`));
  const ledger = newLedgerUnderTest(net);
  const publishers: ReadingPublisher[] = [];
  const devices: SimulatedDevice[] = [];
  const reports: FaultCaseReport[] = [];
  const notes: string[] = [];
  let broker: TestBroker | undefined;
  let app: INestApplication | undefined;
  let keys: DeviceKeyStore;
  let receipts: ReceiptFeed | undefined;
  let rejections: RejectionFeed | undefined;

  async function close(): Promise<void> {
    for (const device of devices) device.detach();
    await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
    await receipts?.close().catch(() => undefined);
    await rejections?.close().catch(() => undefined);
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
    if (reports.length > 0) {
      console.log(
        `fault table (Fabric test network)\n${formatFaultReportTable(reports)}\n${notes.join('\n')}`,
      );
    }
  }

  try {
    broker = await startTestBroker({ persistence: true });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: `gateway-${name}`, org: OWNER }),
      ledger,
    );
    await app.get(IngestService).session.whenConnected();
    keys = await openFileKeyStore({ directory: join(dir, 'keys') });
    receipts = await openMqttReceiptFeed({ url: broker.url, clientId: runId(`${name}-receipts`) });
    rejections = await openMqttRejectionFeed({ url: broker.url, clientId: runId(`${name}-rejections`) });
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  const gateway = app;
  const brokerUrl = broker.url;
  const receiptFeed = receipts;
  const rejectionFeed = rejections;

  /** Retries the gateway counted so far, by failure code (from its Prometheus registry). */
  async function retriesByCode(): Promise<Record<string, number>> {
    const metrics = await gateway.get(GatewayMetrics).registry.getMetricsAsJSON();
    const retries = metrics.find((m) => m.name === 'provena_ingest_retries_total');
    const byCode: Record<string, number> = {};
    for (const value of (retries?.values ?? []) as { value: number; labels: Record<string, unknown> }[]) {
      byCode[String(value.labels.code)] = value.value;
    }
    return byCode;
  }

  async function runCase(
    caseName: string,
    total: number,
    faultAt: readonly number[],
    fault: Fault,
  ): Promise<void> {
    const deviceIds = Array.from({ length: DEVICES }, (_, i) =>
      runId(`${caseName.split(' ')[0]}-logger-${i + 1}`),
    );
    const sent = new Map(deviceIds.map((id) => [id, new Set<number>()]));
    const receipted = new Map(deviceIds.map((id) => [id, new Set<number>()]));
    const receiptTimes: number[] = [];
    const refusals: string[] = [];
    const fleet = await startFaultFleet({
      ledger,
      brokerUrl,
      keys,
      sequences: newMemorySequenceStore(),
      deviceIds,
      owner: OWNER,
      device: {
        bufferCapacity: total,
        receipts: { resendAfterMs: RESEND_AFTER_MS },
        onReceipted: ({ reading }) => {
          receipted.get(reading.deviceId)?.add(reading.seq);
          receiptTimes.push(Date.now());
        },
      },
    });
    publishers.push(...fleet.publishers);
    devices.push(...fleet.devices);
    const byId = new Map(fleet.devices.map((d) => [d.deviceId, d]));
    await receiptFeed.watch(deviceIds, (r) => byId.get(r.deviceId)?.receipted(r.seqs));
    await rejectionFeed.watch(deviceIds, (n) =>
      refusals.push(`${n.deviceId}#${n.seq}: ${n.code} ${n.reason}`),
    );
    const retriesBefore = await retriesByCode();
    const resendsBefore = ledger.transactionsResent();

    const faultEnds: number[] = [];
    const faults: Promise<void>[] = [];
    const timeline: string[] = [];
    const t0 = Date.now();
    const at = (label: string) => timeline.push(`${label} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (let i = 0; i < total; i++) {
      const device = fleet.devices[i % DEVICES] as SimulatedDevice;
      const { reading } = await device.record({
        measuredAt: t0 - 120_000 + i,
        measurements: { temperatureC: 4 + (i % 10) / 10 },
      });
      sent.get(reading.deviceId)?.add(reading.seq);
      if (faultAt.includes(i)) {
        at(`fault ${faults.length + 1}`);
        // One fault at a time: the next waits for the one before to be over.
        const previous = faults.at(-1) ?? Promise.resolve();
        faults.push(
          previous.then(() =>
            fault(net, at).then(() => {
              faultEnds.push(Date.now());
              at(`over ${faultEnds.length}`);
            }),
          ),
        );
      }
      const due = t0 + ((i + 1) * 1000) / RATE_PER_SECOND;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await Promise.all(faults);
    const drained = await Promise.all(fleet.devices.map((d) => d.drain(HEAL_WITHIN_MS)));
    const check = await checkLedgerAfterFault({ ledger, devices: deviceIds, sent, acknowledged: receipted });
    const lastEnd = Math.max(...faultEnds);
    const firstReceiptAfter = receiptTimes.find((t) => t >= lastEnd) ?? Date.now();
    const stats = fleet.devices.map((d) => d.stats());
    const resent = stats.reduce((sum, s) => sum + s.resent, 0);
    const retriesAfter = await retriesByCode();
    const retries = Object.entries(retriesAfter)
      .map(([code, n]) => [code, n - (retriesBefore[code] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `${code} ${n}`);
    reports.push({ name: caseName, check, recoveryMs: firstReceiptAfter - lastEnd });
    notes.push(
      `- ${caseName}: ${timeline.join(', ')}; all receipted ${((Math.max(...receiptTimes) - t0) / 1000).toFixed(1)} s ` +
        `after the first reading; resent for want of a receipt ${resent}; gateway retries ${retries.join(', ') || 'none'}; ` +
        `transactions sent to the orderers again ${ledger.transactionsResent() - resendsBefore}`,
    );

    expect(refusals).toEqual([]);
    expect(drained.every(Boolean)).toBe(true);
    expect(firstOffenders(check)).toEqual({ duplicates: [], lost: [], unknown: [] });
    expect(check).toMatchObject({ sent: total, acknowledged: total, onLedger: total });
    for (const device of fleet.devices) device.detach();
  }

  return { runCase, close };
}
