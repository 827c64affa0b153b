import { connectAsync, type MqttClient } from 'mqtt';
import type { KeyObject } from 'node:crypto';
import { openSignedReading, Topics } from '@provena/wire';

/** A test subscriber on one device's reading topic that verifies every message with the wire package. */
export interface ReadingSubscriber {
  /** How many times each sequence number arrived. */
  readonly counts: ReadonlyMap<number, number>;
  /** Messages that failed decoding or verification, with the reason. */
  readonly invalid: string[];
  /** Resolves true once `predicate` holds, false after `timeoutMs`. */
  waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function subscribeReadings(options: {
  url: string;
  deviceId: string;
  publicKey: KeyObject;
  clientId: string;
  /** Persistent session: clean start off and a session expiry, so the broker queues messages while we are away. */
  persistent: boolean;
}): Promise<ReadingSubscriber> {
  const counts = new Map<number, number>();
  const invalid: string[] = [];
  const client: MqttClient = await connectAsync(options.url, {
    protocolVersion: 5,
    clientId: options.clientId,
    clean: !options.persistent,
    reconnectPeriod: 200,
    ...(options.persistent && { properties: { sessionExpiryInterval: 300 } }),
  });
  client.on('error', () => undefined);
  client.on('message', (_topic, payload) => {
    try {
      const { reading } = openSignedReading(payload, options.publicKey);
      counts.set(reading.seq, (counts.get(reading.seq) ?? 0) + 1);
    } catch (error) {
      invalid.push(String(error));
    }
  });
  await client.subscribeAsync(Topics.readings(options.deviceId), { qos: 1 });
  return {
    counts,
    invalid,
    async waitUntil(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return true;
    },
    async close() {
      await client.endAsync(true);
    },
  };
}
