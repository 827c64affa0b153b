import { EventEmitter } from 'node:events';
import { Topics } from '@provena/wire';
import { connectSession } from './mqtt-session';
import { newMqttReadingPublisher } from './mqtt-publisher.adapter';

/** A stand-in for mqtt.js's client: records the connect options and the publishes, acknowledges on demand. */
class FakeClient extends EventEmitter {
  readonly published: { topic: string; payload: unknown; callback: (error?: Error) => void }[] = [];
  publish(topic: string, payload: unknown, _options: unknown, callback: (error?: Error) => void): this {
    this.published.push({ topic, payload, callback });
    return this;
  }
  endAsync(): Promise<void> {
    return Promise.resolve();
  }
}

const clients: { url: string; options: Record<string, unknown>; client: FakeClient }[] = [];
jest.mock('mqtt', () => ({
  ...jest.requireActual<object>('mqtt'),
  connect: (url: string, options: Record<string, unknown>) => {
    const client = new FakeClient();
    clients.push({ url, options, client });
    return client;
  },
}));

describe('the simulator’s MQTT session', () => {
  const debug = process.env.DEBUG;
  afterEach(() => {
    clients.length = 0;
    if (debug === undefined) delete process.env.DEBUG;
    else process.env.DEBUG = debug;
  });

  it('does not re-arm the keepalive timer on every PUBACK, nor log each packet unless DEBUG asks', () => {
    delete process.env.DEBUG;
    connectSession({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-1' });
    expect(clients[0]!.options).toMatchObject({
      protocolVersion: 5,
      clean: false,
      keepalive: 30,
      queueQoSZero: false,
      reschedulePings: false,
    });
    expect(typeof clients[0]!.options.log).toBe('function');

    process.env.DEBUG = 'mqttjs*';
    connectSession({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-2' });
    expect(clients[1]!.options).not.toHaveProperty('log'); // mqtt.js's own `debug` logger
  });

  it('hands the payload to mqtt.js without copying it, and settles the publish on its PUBACK', async () => {
    const publisher = newMqttReadingPublisher({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-3' });
    const { client } = clients[0]!;
    client.emit('connect', { properties: { receiveMaximum: 20 } });
    expect(publisher.connected).toBe(true);

    const buffer = Buffer.from('{"reading":1}');
    const source = Buffer.from('xx{"reading":2}');
    const bytes = new Uint8Array(source.buffer, source.byteOffset + 2, 13); // a plain view within a larger buffer
    const first = publisher.publish('dev-1', buffer);
    const second = publisher.publish('dev-2', bytes);
    expect(client.published.map((p) => p.topic)).toEqual([
      Topics.readings('dev-1'),
      Topics.readings('dev-2'),
    ]);
    expect(client.published[0]!.payload).toBe(buffer);
    const view = client.published[1]!.payload as Buffer;
    expect(Buffer.isBuffer(view)).toBe(true);
    expect(view.toString()).toBe('{"reading":2}');
    expect(view.buffer).toBe(bytes.buffer); // the same memory

    client.published[0]!.callback();
    client.published[1]!.callback();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await publisher.close();
  });
});
