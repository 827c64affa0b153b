import { connectAsync, type MqttClient } from 'mqtt';
import type { KeyObject } from 'node:crypto';
import { deviceIdOfReadingTopic, openSignedReading, Topics } from '@provena/wire';

/** A test subscriber on devices' reading topics that verifies every message with the wire package. */
export interface FleetSubscriber {
  /** Per device, how many times each sequence number arrived. */
  readonly counts: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** Messages received, valid or not. */
  readonly received: number;
  /** Messages that failed decoding or verification, with the reason. */
  readonly invalid: string[];
  /** Resolves true once `predicate` holds, false after `timeoutMs`. */
  waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The same for one device: `counts` is that device's. */
export interface ReadingSubscriber extends Omit<FleetSubscriber, 'counts' | 'received'> {
  readonly counts: ReadonlyMap<number, number>;
}

interface SubscriberOptions {
  url: string;
  clientId: string;
  /** Persistent session: clean start off and a session expiry, so the broker queues messages while we are away. */
  persistent: boolean;
}

export async function subscribeFleetReadings(
  options: SubscriberOptions & { publicKeys: ReadonlyMap<string, KeyObject> },
): Promise<FleetSubscriber> {
  const counts = new Map([...options.publicKeys.keys()].map((id) => [id, new Map<number, number>()]));
  const invalid: string[] = [];
  let received = 0;
  const client: MqttClient = await connectAsync(options.url, {
    protocolVersion: 5,
    clientId: options.clientId,
    clean: !options.persistent,
    reconnectPeriod: 200,
    ...(options.persistent && { properties: { sessionExpiryInterval: 300 } }),
  });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    received++;
    const deviceId = deviceIdOfReadingTopic(topic) ?? '';
    try {
      const publicKey = options.publicKeys.get(deviceId);
      if (!publicKey) throw new Error(`message on ${topic}, a device without a key`);
      const { reading } = openSignedReading(payload, publicKey);
      if (reading.deviceId !== deviceId) throw new Error(`reading of ${reading.deviceId} on ${topic}`);
      const seqs = counts.get(deviceId)!;
      seqs.set(reading.seq, (seqs.get(reading.seq) ?? 0) + 1);
    } catch (error) {
      invalid.push(String(error));
    }
  });
  await client.subscribeAsync(
    [...options.publicKeys.keys()].map((id) => Topics.readings(id)),
    { qos: 1 },
  );
  return {
    counts,
    get received() {
      return received;
    },
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

export async function subscribeReadings(
  options: SubscriberOptions & { deviceId: string; publicKey: KeyObject },
): Promise<ReadingSubscriber> {
  const fleet = await subscribeFleetReadings({
    ...options,
    publicKeys: new Map([[options.deviceId, options.publicKey]]),
  });
  return {
    counts: fleet.counts.get(options.deviceId)!,
    invalid: fleet.invalid,
    waitUntil: (predicate, timeoutMs) => fleet.waitUntil(predicate, timeoutMs),
    close: () => fleet.close(),
  };
}
