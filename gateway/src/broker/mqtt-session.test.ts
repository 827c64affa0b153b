import { createServer, type Server, type Socket } from 'node:net';
import * as mqttPacket from 'mqtt-packet';
import { MqttSession, type MqttSessionOptions } from './mqtt-session';

/** A TCP listener that reads what a client sends as MQTT 5 and hands over the first CONNECT. */
async function brokerThatRecordsConnect(): Promise<{
  url: string;
  connect: Promise<mqttPacket.IConnectPacket>;
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  let resolveConnect: (packet: mqttPacket.IConnectPacket) => void = () => undefined;
  const connect = new Promise<mqttPacket.IConnectPacket>((resolve) => (resolveConnect = resolve));
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') resolveConnect(packet);
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    connect,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function options(url: string, extra: Partial<MqttSessionOptions> = {}): MqttSessionOptions {
  return {
    url,
    clientId: 'gateway-under-test',
    subscription: 'provena/v1/devices/+/readings',
    sessionExpirySeconds: 3600,
    receiveMaximum: 50,
    keepaliveSeconds: 30,
    reconnectMinMs: 10_000,
    reconnectMaxMs: 10_000,
    onMessage: () => undefined,
    ...extra,
  };
}

describe('MqttSession CONNECT', () => {
  it('asks the broker for a Maximum Packet Size, beside Receive Maximum and the session expiry', async () => {
    const broker = await brokerThatRecordsConnect();
    const session = new MqttSession(options(broker.url, { maximumPacketSize: 3072 }));
    void session.start();
    try {
      const connect = await broker.connect;
      expect(connect.protocolVersion).toBe(5);
      expect(connect.clean).toBe(false);
      expect(connect.properties).toMatchObject({
        maximumPacketSize: 3072,
        receiveMaximum: 50,
        sessionExpiryInterval: 3600,
      });
    } finally {
      session.abort();
      await broker.close();
    }
  });

  it('leaves the property out when no size is given (MQTT then allows 256 MB)', async () => {
    const broker = await brokerThatRecordsConnect();
    const session = new MqttSession(options(broker.url));
    void session.start();
    try {
      expect((await broker.connect).properties?.maximumPacketSize).toBeUndefined();
    } finally {
      session.abort();
      await broker.close();
    }
  });

  it.each([0, -1, 1.5, 268_435_461])('refuses a Maximum Packet Size of %s', (size) => {
    expect(() => new MqttSession(options('mqtt://127.0.0.1:1', { maximumPacketSize: size }))).toThrow(
      'maximumPacketSize must be 1..268435460',
    );
  });
});
