import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  newMemorySequenceStore,
  openFileKeyStore,
  type ReadingPublisher,
  type SimulatedDevice,
} from '@provena/iot-simulator';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { IngestService } from '../src/ingest/ingest.service';
import { checkLedgerAfterFault, firstOffenders, formatFaultReportLine } from './fault-checker';
import { startFaultFleet } from './fault-fleet';
import { testGatewayConfig, startGatewayApp } from './ingest.harness';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, runId } from './ledger-under-test';

const CASE = '4 SIGKILL Mosquitto during ingest';
const DEVICES = 10;
const PER_DEVICE = 300;
const TOTAL = DEVICES * PER_DEVICE;
/** The kill comes when about a third of the readings are acknowledged. */
const KILL_AT = Math.round(TOTAL / 3);
/** Recording pace: one reading per device every 5 ms (2,000 a second), so the fault lands mid-stream. */
const RECORD_EVERY_MS = 5;
const DOWN_MS = 1000;
/** Bound on healing: every reading acknowledged and the gateway quiet (on Fabric, every batch committed too). */
const HEAL_WITHIN_MS = Math.max(60_000, LEDGER_PATIENCE_MS);
/** Mosquitto writes its store every 10 s (`autosave_interval`); the fault waits for the first write, a little longer. */
const STORE_WITHIN_MS = 15_000;
/** The gateway counts as quiet once nothing is in flight and nothing was submitted for this long. */
const QUIET_MS = 500;
const OWNER = 'ProducerMSP';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Fault case 4: Mosquitto dies by SIGKILL mid-ingest (no chance to save its store) and comes back on the same port
// with the same persistence folder a second later. Simulated devices keep every reading not acknowledged and send it
// again after reconnecting. Once healed, the ledger is read once: every acknowledged reading on it exactly once,
// nothing no device sent. The gateway app is the real one; its ledger is the Fabric test network in the Fabric
// tier, else the in-memory double running the real chaincode (ledger-under-test.ts).
describe(`fault case 4: Mosquitto SIGKILLed during ingest (real broker restarted, gateway app, ${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let app: INestApplication;
  const ledger = newLedgerUnderTest();
  const publishers: ReadingPublisher[] = [];
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-fault-4-'));
    broker = await startTestBroker({ persistence: true });
    app = await startGatewayApp(
      testGatewayConfig({ brokerUrl: broker.url, dir, clientId: 'gateway-fault-4', org: OWNER }),
      ledger,
    );
  });

  afterAll(async () => {
    for (const device of devices) device.detach();
    await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
    await app?.close();
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'every reading a device had acknowledged is on the ledger exactly once, and nothing no device sent',
    async () => {
      const ingest = app.get(IngestService);
      await ingest.session.whenConnected();
      const keys = await openFileKeyStore({ directory: join(dir, 'keys') });
      const sequences = newMemorySequenceStore();
      const deviceIds = Array.from({ length: DEVICES }, (_, i) => runId(`fault4-logger-${i + 1}`));
      const sent = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const acknowledged = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const ackTimes: number[] = [];
      let killing: Promise<void> | undefined;

      const fleet = await startFaultFleet({
        ledger,
        brokerUrl: broker.url,
        keys,
        sequences,
        deviceIds,
        owner: OWNER,
        device: {
          bufferCapacity: 10_000,
          onAcknowledged: ({ reading }) => {
            acknowledged.get(reading.deviceId)?.add(reading.seq);
            // From the acknowledgement itself, so the kill lands with the stream at full speed.
            if (ackTimes.push(Date.now()) === KILL_AT) killing = broker.stop('SIGKILL');
          },
        },
      });
      publishers.push(...fleet.publishers);
      devices.push(...fleet.devices);
      // The broker a SIGKILL hits in production has saved its store (sessions, subscriptions) at least once; a
      // broker killed before its first save forgets every session, which is a different, weaker case.
      const storeDeadline = Date.now() + STORE_WITHIN_MS;
      while (!(await broker.hasPersistenceFile()) && Date.now() < storeDeadline) await sleep(100);
      expect(await broker.hasPersistenceFile()).toBe(true);

      const recording = (async () => {
        const t0 = Date.now();
        for (let i = 0; i < PER_DEVICE; i++) {
          for (const device of devices) {
            const { reading } = await device.record({
              measuredAt: t0 + i,
              measurements: { temperatureC: 4 + (i % 10) / 10 },
            });
            sent.get(reading.deviceId)?.add(reading.seq);
          }
          await sleep(RECORD_EVERY_MS);
        }
      })();
      const deadline = Date.now() + HEAL_WITHIN_MS;
      while (killing === undefined && Date.now() < deadline) await sleep(10);
      expect(killing).toBeDefined();
      await killing;
      const killedAt = Date.now();
      const acknowledgedAtKill = ackTimes.length;
      await sleep(DOWN_MS);
      const restarting = Date.now();
      await broker.start();
      const restartedAt = Date.now();
      const gatewayBack = ingest.session.whenConnected().then(() => Date.now());
      await recording;

      const drained = await Promise.all(devices.map((d) => d.drain(Math.max(0, deadline - Date.now()))));
      // Healed: the gateway is back on the broker, holds nothing, and has stopped writing to the ledger.
      let submitted = -1;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        const busy = !ingest.session.connected || ingest.session.inFlight > 0 || ingest.pipeline.inFlight > 0;
        if (busy || ledger.submitted.length !== submitted) {
          submitted = ledger.submitted.length;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= QUIET_MS) break;
        await sleep(20);
      }

      const check = await checkLedgerAfterFault({ ledger, devices: deviceIds, sent, acknowledged });
      const resubscribedAt = await Promise.race([gatewayBack, sleep(0).then(() => Infinity)]);
      // Readings acknowledged by the restarted broker before the gateway is back: they reach the gateway only
      // because its plain subscription is restored from the broker's store. Through a shared subscription
      // (Mosquitto 2.0.11 stores none) they were answered 0x10, "no matching subscribers", and lost: this test
      // found that, and it is why the gateway subscribes plainly by default.
      const beforeGateway = ackTimes.filter((t) => t >= restarting && t < resubscribedAt).length;
      console.log(
        `${formatFaultReportLine({ name: CASE, check, recoveryMs: Math.max(...ackTimes) - restartedAt })} ` +
          `(acknowledged at the kill ${acknowledgedAtKill}; broker down ${restartedAt - killedAt} ms; ` +
          `gateway subscribed again ${resubscribedAt - restartedAt} ms after the restart, ` +
          `${beforeGateway} readings acknowledged before that)`,
      );

      expect(drained.every(Boolean)).toBe(true);
      expect(devices.map((d) => d.stats())).toEqual(
        devices.map(() => ({
          recorded: PER_DEVICE,
          sent: PER_DEVICE,
          dropped: 0,
          refused: 0,
          buffered: 0,
          inFlight: 0,
          awaitingReceipt: 0,
          receipted: 0,
          resent: 0,
        })),
      );
      expect(acknowledgedAtKill).toBeLessThan(TOTAL);
      expect(firstOffenders(check)).toEqual({ duplicates: [], lost: [], unknown: [] });
      expect(check).toMatchObject({ sent: TOTAL, acknowledged: TOTAL, duplicates: 0, lost: 0, unknown: 0 });
      expect(check.onLedger).toBe(TOTAL);
    },
    STORE_WITHIN_MS + HEAL_WITHIN_MS + 30_000,
  );
});
