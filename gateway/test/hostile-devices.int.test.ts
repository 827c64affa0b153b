import { generateKeyPairSync } from 'node:crypto';
import mqtt from 'mqtt';
import { sealReading, Topics, type RejectionNotice } from '@provena/wire';
import { buildHostileExample, HOSTILE_MODES, sequenceNumbersNeeded } from '@provena/iot-simulator';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { TestDevice } from '../src/testing/test-devices';
import { gateway, readingsOnLedger, until } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

const FLOOD = 300;

// Each of the simulator's hostile modes against the gateway, over a real Mosquitto: every payload ends as the
// simulator says it must (accepted, duplicate, or refused with that code, told to the device), and nothing refused
// reaches the ledger. The ledger is the Fabric test network in the Fabric tier, else the in-memory double running
// the real chaincode (ledger-under-test.ts).
describe(`hostile devices against the gateway (real Mosquitto, ${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  const ledger = newLedgerUnderTest();

  beforeAll(async () => {
    broker = await startTestBroker({ persistence: true });
  });

  afterAll(async () => {
    await broker?.cleanup();
    await ledger.close();
  });

  it.each(HOSTILE_MODES.map((mode) => [mode]))(
    '%s: each payload gets the verdict the mode calls for',
    async (mode) => {
      const device = new TestDevice(runId(`hostile-${mode}`));
      await device.register(ledger);
      const { session } = gateway(broker, ledger);
      await session.start();
      const notices: RejectionNotice[] = [];
      const listener = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      await listener.subscribeAsync(Topics.rejections('+'), { qos: 0 });
      listener.on('message', (_t, payload) =>
        notices.push(JSON.parse(payload.toString('utf8')) as RejectionNotice),
      );

      const example = buildHostileExample(mode, {
        deviceId: device.deviceId,
        seal: (reading) => sealReading(reading, device.privateKey),
        foreignKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
        seqs: Array.from({ length: sequenceNumbersNeeded(mode, FLOOD) }, (_, i) => i + 1),
        nowMs: Date.now(),
        unknownDeviceId: runId('ghost-device'),
        floodCount: FLOOD,
      });
      const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      for (const payload of example.payloads) {
        await publisher.publishAsync(Topics.readings(payload.deviceId), payload.bytes, { qos: 1 });
      }
      await publisher.endAsync();

      const expected = example.payloads.map((p) => p.expect);
      const refusals = expected.filter((v) => v !== 'ACCEPTED' && v !== 'DUPLICATE').sort();
      const accepted = expected.filter((v) => v === 'ACCEPTED').length;
      await until(
        async () =>
          notices.length === refusals.length &&
          (await readingsOnLedger(ledger, device.deviceId)).length === accepted,
      );
      await until(() => session.inFlight === 0);
      await new Promise((r) => setTimeout(r, 100));
      expect(notices.map((n) => n.code).sort()).toEqual(refusals);
      expect(await readingsOnLedger(ledger, device.deviceId)).toHaveLength(accepted);
      await listener.endAsync();
      await session.stop();
    },
  );
});
