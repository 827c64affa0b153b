import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  newMemorySequenceStore,
  openFileKeyStore,
  openMqttReceiptFeed,
  type ReadingPublisher,
  type ReceiptFeed,
  type SimulatedDevice,
} from '@provena/iot-simulator';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { checkLedgerAfterFault, firstOffenders } from './fault-checker';
import { startFaultFleet } from './fault-fleet';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { LEDGER_NAME, LEDGER_PATIENCE_MS, newLedgerUnderTest, runId } from './ledger-under-test';

const OWNER = 'ProducerMSP';
const DEVICES = 10;
const TOTAL = 3000;
const SHARE_GROUP = 'provena-gateway';

// Scaling out ingest: two gateway processes subscribe through one MQTT shared subscription, so the broker hands
// each reading to one of them. Each records what it gets with its own Fabric connection; devices hear receipts
// from whichever replica committed their readings. The ledger ends with every reading exactly once.
describe(`two gateway replicas on one shared subscription (real Mosquitto, ${LEDGER_NAME})`, () => {
  let dir: string;
  let broker: TestBroker;
  let receipts: ReceiptFeed | undefined;
  const ledger = newLedgerUnderTest();
  const replicas: GatewayProcess[] = [];
  const publishers: ReadingPublisher[] = [];
  const devices: SimulatedDevice[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-replicas-'));
    broker = await startTestBroker({ persistence: true });
  });

  afterAll(async () => {
    for (const device of devices) device.detach();
    await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
    await receipts?.close().catch(() => undefined);
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await broker?.cleanup();
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'splits the readings between the replicas and records each exactly once',
    async () => {
      for (const name of ['a', 'b']) {
        replicas.push(
          await startGatewayProcess(broker, ledger, {
            clientId: `gateway-replica-${name}`,
            shareGroup: SHARE_GROUP,
          }),
        );
      }
      const deviceIds = Array.from({ length: DEVICES }, (_, i) => runId(`replica-logger-${i + 1}`));
      const sent = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const receipted = new Map(deviceIds.map((id) => [id, new Set<number>()]));
      const fleet = await startFaultFleet({
        ledger,
        brokerUrl: broker.url,
        keys: await openFileKeyStore({ directory: join(dir, 'keys') }),
        sequences: newMemorySequenceStore(),
        deviceIds,
        owner: OWNER,
        device: {
          bufferCapacity: TOTAL,
          receipts: { resendAfterMs: 60_000 },
          onReceipted: ({ reading }) => receipted.get(reading.deviceId)?.add(reading.seq),
        },
      });
      publishers.push(...fleet.publishers);
      devices.push(...fleet.devices);
      const byId = new Map(fleet.devices.map((d) => [d.deviceId, d]));
      receipts = await openMqttReceiptFeed({ url: broker.url, clientId: runId('replicas-receipts') });
      await receipts.watch(deviceIds, (r) => byId.get(r.deviceId)?.receipted(r.seqs));

      const t0 = Date.now();
      for (let i = 0; i < TOTAL; i++) {
        const { reading } = await (fleet.devices[i % DEVICES] as SimulatedDevice).record({
          measuredAt: t0 - 60_000 + i,
          measurements: { temperatureC: 4 + (i % 10) / 10 },
        });
        sent.get(reading.deviceId)?.add(reading.seq);
      }
      const drained = await Promise.all(fleet.devices.map((d) => d.drain(LEDGER_PATIENCE_MS * 2)));
      const received = await Promise.all(replicas.map((r) => r.received()));
      const check = await checkLedgerAfterFault({
        ledger,
        devices: deviceIds,
        sent,
        acknowledged: receipted,
      });
      const resent = fleet.devices.reduce((sum, d) => sum + d.stats().resent, 0);
      console.log(
        `replicas: received ${received.join(' + ')} of ${TOTAL} readings; all receipted in ` +
          `${((Date.now() - t0) / 1000).toFixed(1)} s; on the ledger ${check.onLedger}, duplicates ${check.duplicates}, ` +
          `resent ${resent}`,
      );

      expect(drained.every(Boolean)).toBe(true);
      // Both replicas did a share of the work, and no reading reached both (no resend happened to cause one).
      expect(resent).toBe(0);
      expect(received.every((n) => n > 0)).toBe(true);
      expect(received.reduce((a, b) => a + b, 0)).toBe(TOTAL);
      expect(firstOffenders(check)).toEqual({ duplicates: [], lost: [], unknown: [] });
      expect(check).toMatchObject({ sent: TOTAL, acknowledged: TOTAL, onLedger: TOTAL });
    },
    LEDGER_PATIENCE_MS * 2 + 60_000,
  );
});
