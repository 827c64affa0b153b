import { mkdtempSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import * as mqttPacket from 'mqtt-packet';
import { Topics, type RejectionNotice } from '@provena/wire';
import { startTestBroker, type TestBroker } from '../../test/support/mosquitto.harness';
import { DEFAULT_MQTT_MAX_PACKET_BYTES } from '../src/config/gateway-config';
import { wireIngest } from '../src/ingest/ingest-wiring';
import { TestDevice } from '../src/testing/test-devices';
import { readingsOnLedger, testGatewayConfig, until } from './ingest.harness';
import { LEDGER_NAME, newLedgerUnderTest, runId } from './ledger-under-test';

// Issue 13, item 4: an oversized publish is stopped before it costs the gateway anything, on Provena's own
// Mosquitto settings (network/mosquitto/conf.d). Two bounds of 3,072 bytes: the broker's max_packet_size, past
// which it ends the device's connection as soon as the fixed header names the size, and the gateway's MQTT 5
// Maximum Packet Size, which a broker with a larger limit (an operator's own) honours by not delivering what is
// larger.

const quiet = (): void => undefined;

/** The ingest path as the app wires it, counting what reaches the pipeline. */
function gatewayCounting(broker: TestBroker, ledger: ReturnType<typeof newLedgerUnderTest>) {
  const seen = { received: 0, notices: [] as RejectionNotice[] };
  const config = testGatewayConfig({
    brokerUrl: broker.url,
    dir: mkdtempSync(join(tmpdir(), 'provena-packet-size-')),
    clientId: 'gateway-packet-size',
  });
  const { session, pipeline } = wireIngest({
    ledger,
    // No maxPacketBytes here: the wiring's default applies, as for every hand-built configuration.
    mqtt: config.mqtt,
    ingest: { ...config.ingest, batchSize: 10, maxConcurrentBatches: 1, maxInFlight: 100 },
    metrics: {
      received: () => (seen.received += 1),
      refused: quiet,
      committed: quiet,
      acknowledged: quiet,
      retried: quiet,
    },
    log: { warn: quiet, error: quiet },
    onRejection: (notice) => seen.notices.push(notice),
    reconnect: { minMs: 50, maxMs: 500 },
  });
  return { session, pipeline, seen };
}

/** A device speaking MQTT 5 over a bare socket, so it can send what no client library would. */
async function rawDevice(url: string, clientId: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = tcpConnect({ host: hostname, port: Number(port) });
  const packets: mqttPacket.Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  parser.on('packet', (packet) => packets.push(packet));
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    mqttPacket.generate(
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, clean: true, keepalive: 30 },
      { protocolVersion: 5 },
    ),
  );
  await until(() => packets.some((p) => p.cmd === 'connack'), 5000);
  return { socket, packets, closed };
}

describe(`oversized publishes on Provena's Mosquitto settings (${LEDGER_NAME})`, () => {
  let broker: TestBroker;
  const ledger = newLedgerUnderTest();

  beforeEach(async () => {
    broker = await startTestBroker({ persistence: false });
  });

  afterEach(async () => {
    await broker.cleanup();
  });

  afterAll(async () => {
    await ledger.close();
  });

  it('never receives a publish larger than its Maximum Packet Size from a broker with a larger limit, and records the reading after it', async () => {
    // An operator's broker allowing 20 KiB: the gateway's own CONNECT limit is then what protects it.
    await broker.cleanup();
    broker = await startTestBroker({ persistence: false, settings: ['max_packet_size 20480'] });
    const device = new TestDevice(runId('dev-oversize-gw'));
    await device.register(ledger);
    const { session, pipeline, seen } = gatewayCounting(broker, ledger);
    await session.start();

    // A valid envelope padded to 8 KiB: above the gateway's 3 KiB, below this broker's 20 KiB, so the broker takes
    // it from the device (PUBACK) and must not pass it on.
    const first = device.reading().payload;
    const oversized = Buffer.concat([device.reading().payload, Buffer.alloc(8192, 0x20)]);
    expect(oversized.length).toBeGreaterThan(DEFAULT_MQTT_MAX_PACKET_BYTES);
    const last = device.reading().payload;
    const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: runId('pub-gw') });
    const topic = Topics.readings(device.deviceId);
    for (const payload of [first, oversized, last]) await publisher.publishAsync(topic, payload, { qos: 1 });
    expect(publisher.connected).toBe(true);
    await publisher.endAsync();

    // The broker delivers in order: once seq 3 is on the ledger, seq 2 would have reached the gateway before it.
    await until(async () => (await readingsOnLedger(ledger, device.deviceId)).length === 2);
    expect(await readingsOnLedger(ledger, device.deviceId)).toEqual([1, 3]);
    await until(() => session.inFlight === 0);
    expect(seen.received).toBe(2);
    expect(seen.notices).toEqual([]);
    await pipeline.stop();
    await session.stop();
  });

  it("ends a device's connection on a publish over the broker's limit before reading its body; the gateway sees nothing", async () => {
    const device = new TestDevice(runId('dev-oversize-broker'));
    await device.register(ledger);
    const { session, pipeline, seen } = gatewayCounting(broker, ledger);
    await session.start();

    const raw = await rawDevice(broker.url, runId('raw-device'));
    const connack = raw.packets.find((p): p is mqttPacket.IConnackPacket => p.cmd === 'connack');
    expect(connack?.reasonCode).toBe(0);
    // MQTT 5 devices are told the limit up front.
    expect(connack?.properties?.maximumPacketSize).toBe(DEFAULT_MQTT_MAX_PACKET_BYTES);
    const huge = mqttPacket.generate(
      {
        cmd: 'publish',
        topic: Topics.readings(device.deviceId),
        payload: Buffer.concat([device.reading().payload, Buffer.alloc(1_000_000, 0x20)]),
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      },
      { protocolVersion: 5 },
    );
    // Only the first 4 KiB of a 1 MB packet: a broker that buffered before judging would wait for the rest.
    raw.socket.write(huge.subarray(0, 4096));
    let open = true;
    void raw.closed.then(() => (open = false));
    await until(() => !open, 5000).catch(() => {
      throw new Error('the broker kept the connection open');
    });
    const disconnect = raw.packets.find((p): p is mqttPacket.IDisconnectPacket => p.cmd === 'disconnect');
    expect(disconnect?.reasonCode).toBe(0x95); // Packet too large
    expect(raw.packets.some((p) => p.cmd === 'puback')).toBe(false);

    // The device's next connection, with a reading of the usual size, is recorded as ever.
    const publisher = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      clientId: runId('pub-broker'),
    });
    await publisher.publishAsync(Topics.readings(device.deviceId), device.reading().payload, { qos: 1 });
    await publisher.endAsync();
    await until(async () => (await readingsOnLedger(ledger, device.deviceId)).length === 1);
    expect(await readingsOnLedger(ledger, device.deviceId)).toEqual([2]);
    await until(() => session.inFlight === 0);
    expect(seen.received).toBe(1);
    expect(seen.notices).toEqual([]);
    await pipeline.stop();
    await session.stop();
  });
});
