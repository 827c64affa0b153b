import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  newMemorySequenceStore,
  openFileKeyStore,
  openMqttReceiptFeed,
  openMqttRejectionFeed,
  type ReadingPublisher,
  type ReceiptFeed,
  type RejectionFeed,
  type SimulatedDevice,
} from '@provena/iot-simulator';
import mqtt from 'mqtt';
import { Topics } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { IngestService } from '../src/ingest/ingest.service';
import { checkLedgerAfterFault, firstOffenders, formatFaultReportLine } from './fault-checker';
import { startFaultFleet } from './fault-fleet';
import { testGatewayConfig, startGatewayApp, until } from './ingest.harness';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, runId } from './ledger-under-test';

const CASE = '5 SIGKILL Mosquitto that saves rarely (receipts)';
const DEVICES = 10;
/** Readings per device in each phase: before, while the gateway is away (lost by the kill), after. */
const PER_PHASE = 50;
const TOTAL = DEVICES * PER_PHASE * 3;
/** A device publishes a reading again when no receipt came this long after the broker's PUBACK. */
const RESEND_AFTER_MS = 3000;
const HEAL_WITHIN_MS = Math.max(90_000, LEDGER_PATIENCE_MS);
const OWNER = 'ProducerMSP';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Fault case 5: a broker whose store is written once an hour (`autosave_interval 3600`) acknowledges readings it
// only holds in memory, then dies by SIGKILL: it comes back from its last save without them. A PUBACK cannot tell
// a device this happened; a receipt can. Devices here keep each reading until a receipt from the gateway (or a
// refusal) settles it and publish it again otherwise (the README's device protocol), so the ledger ends with
// every reading of every device exactly once. The broker's loss is made certain, not left to timing: the gateway
// is away (its session kept, messages queued for it) while the middle third is published, and those readings
// exist only in the broker's memory when it is killed.
describe(`fault case 5: a broker that loses acknowledged readings, healed by receipts (real broker, gateway app, ${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const publishers: ReadingPublisher[] = [];
  const devices: SimulatedDevice[] = [];
  let receipts: ReceiptFeed | undefined;
  let rejections: RejectionFeed | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-fault-5-'));
    broker = await startTestBroker({ persistence: true, settings: ['autosave_interval 3600'] });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-fault-5', org: OWNER }),
      ledger,
    );
  });

  afterAll(async () => {
    for (const device of devices) device.detach();
    await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
    await receipts?.close().catch(() => undefined);
    await rejections?.close().catch(() => undefined);
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'every reading of every device ends on the ledger exactly once, though the broker lost some it acknowledged',
    async () => {
      const ingest = app.get(IngestService);
      await ingest.session.whenConnected();
      const keys = await openFileKeyStore({ directory: join(dir, 'keys') });
      const sequences = newMemorySequenceStore();
      const deviceIds = Array.from({ length: DEVICES }, (_, i) => runId(`fault5-logger-${i + 1}`));
      const sent = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const receipted = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const refusals: string[] = [];
      let lastReceiptAt = 0;

      const fleet = await startFaultFleet({
        ledger,
        brokerUrl: broker.url,
        keys,
        sequences,
        deviceIds,
        owner: OWNER,
        device: {
          bufferCapacity: 10_000,
          receipts: { resendAfterMs: RESEND_AFTER_MS },
          onReceipted: ({ reading }) => {
            receipted.get(reading.deviceId)?.add(reading.seq);
            lastReceiptAt = Date.now();
          },
        },
      });
      publishers.push(...fleet.publishers);
      devices.push(...fleet.devices);
      const byId = new Map(devices.map((d) => [d.deviceId, d]));
      const feed = { url: broker.url, reconnectPeriodMs: 200 };
      receipts = await openMqttReceiptFeed({ ...feed, clientId: runId('fault5-receipts') });
      let receiptsHeard = 0;
      await receipts.watch(deviceIds, (r) => {
        receiptsHeard++;
        byId.get(r.deviceId)?.receipted(r.seqs);
      });
      rejections = await openMqttRejectionFeed({ ...feed, clientId: runId('fault5-rejections') });
      await rejections.watch(deviceIds, (n) => refusals.push(`${n.deviceId}#${n.seq}: ${n.code}`));

      // The broker's one save: every session and subscription above is in its store from here on.
      await broker.stop('SIGTERM');
      await broker.start();
      await ingest.session.whenConnected();
      await until(() => publishers.every((p) => p.connected), 10_000);
      await receiptFeedListening();

      const record = async (phase: number): Promise<void> => {
        for (let i = 0; i < PER_PHASE; i++) {
          for (const device of devices) {
            const { reading } = await device.record({
              measuredAt: Date.now() - 60_000 + phase * PER_PHASE + i,
              measurements: { temperatureC: 4 + (i % 10) / 10 },
            });
            sent.get(reading.deviceId)?.add(reading.seq);
          }
        }
      };
      const acknowledgedByBroker = () => devices.reduce((sum, d) => sum + d.stats().sent, 0);
      const receiptedSoFar = () => devices.reduce((sum, d) => sum + d.stats().receipted, 0);
      // Receipts go at QoS 0 (see ReadingReceipt): one sent while the feed is still reconnecting is not queued
      // for it. Phase 1 starts once a receipt published now reaches the feed, so its readings need no resend.
      async function receiptFeedListening(): Promise<void> {
        const prober = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
        try {
          const heard = receiptsHeard;
          const probe = { deviceId: deviceIds[0], seqs: [Number.MAX_SAFE_INTEGER], txId: '0'.repeat(64) };
          await until(async () => {
            await prober.publishAsync(Topics.receipts(deviceIds[0] as string), JSON.stringify(probe));
            await sleep(100);
            return receiptsHeard > heard;
          }, 10_000);
        } finally {
          await prober.endAsync();
        }
      }

      // 1. A third with everything up.
      await record(0);
      // 2. The gateway leaves (its session stays on the broker, which queues for it) and a third is published.
      await until(() => receiptedSoFar() >= DEVICES * PER_PHASE);
      const resentInPhase1 = devices.reduce((sum, d) => sum + d.stats().resent, 0);
      await ingest.session.stop();
      await record(1);
      await until(() => acknowledgedByBroker() >= DEVICES * PER_PHASE * 2, 30_000);
      // 3. SIGKILL: the queued third was never saved. The broker comes back from its store without it.
      await broker.stop('SIGKILL');
      await sleep(500);
      await broker.start();
      const restartedAt = Date.now();
      void ingest.session.start();
      await record(2);

      const drained = await Promise.all(devices.map((d) => d.drain(HEAL_WITHIN_MS)));
      const check = await checkLedgerAfterFault({
        ledger,
        devices: deviceIds,
        sent,
        acknowledged: receipted,
      });
      const stats = devices.map((d) => d.stats());
      const resent = stats.reduce((sum, s) => sum + s.resent, 0);
      console.log(
        `${formatFaultReportLine({ name: CASE, check, recoveryMs: lastReceiptAt - restartedAt })} ` +
          `(acknowledged by the broker and lost by it: at least ${DEVICES * PER_PHASE}; ` +
          `published again for want of a receipt: ${resent}; "acknowledged" = receipted here)`,
      );

      expect(resentInPhase1).toBe(0);
      expect(refusals).toEqual([]);
      expect(drained.every(Boolean)).toBe(true);
      // The kill did lose what the broker had acknowledged: each of those readings was sent again at least once.
      expect(resent).toBeGreaterThanOrEqual(DEVICES * PER_PHASE);
      expect(firstOffenders(check)).toEqual({ duplicates: [], lost: [], unknown: [] });
      expect(check).toMatchObject({ sent: TOTAL, acknowledged: TOTAL, onLedger: TOTAL });
      expect(stats.every((s) => s.dropped === 0 && s.refused === 0 && s.awaitingReceipt === 0)).toBe(true);
    },
    HEAL_WITHIN_MS + 90_000,
  );
});
