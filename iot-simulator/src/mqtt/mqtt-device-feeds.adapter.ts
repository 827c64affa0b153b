import type { MqttClient } from 'mqtt';
import { parseReadingReceipt, Topics, type ReadingReceipt, type RejectionNotice } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReceiptFeed } from '../devices/receipt-feed.port';
import { parseRejectionNotice, type RejectionFeed } from '../devices/rejection-feed.port';
import { formatDuration } from '../scenario/time-units';
import { connectSession, endSession, type MqttSessionOptions } from './mqtt-session';

export type MqttRejectionFeedOptions = MqttSessionOptions;
export type MqttReceiptFeedOptions = MqttSessionOptions;

/** One kind of per-device topic the gateway publishes to: its name and how its payloads are read. */
interface DeviceTopicKind<T> {
  /** For error messages: "rejection", "receipts". */
  readonly label: string;
  readonly topicOf: (deviceId: string) => string;
  /** undefined: not a message worth passing on. */
  readonly parse: (deviceId: string, payload: Uint8Array) => T | undefined;
}

const REJECTIONS: DeviceTopicKind<RejectionNotice> = {
  label: 'rejection',
  topicOf: Topics.rejections,
  parse: parseRejectionNotice,
};
const RECEIPTS: DeviceTopicKind<ReadingReceipt> = {
  label: 'receipts',
  topicOf: Topics.receipts,
  parse: parseReadingReceipt,
};

/**
 * Bytes of topic filters per SUBSCRIBE packet. Provena's broker ends a connection whose packet is over 3,072 bytes
 * (network/mosquitto/conf.d/provena-limits.conf), so a fleet's subscriptions go in packets well under that: a
 * hundred devices' filters in one packet would be about 5 KB.
 */
const SUBSCRIBE_BYTES = 2048;

/** Splits topic filters into SUBSCRIBE-sized groups (each filter costs its length, 2 length bytes and 1 option byte). */
export function subscribeChunks(topics: readonly string[], budget = SUBSCRIBE_BYTES): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const topic of topics) {
    const cost = Buffer.byteLength(topic) + 3;
    if (chunk.length > 0 && bytes + cost > budget) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(topic);
    bytes += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * One MQTT 5 connection subscribed (QoS 1) to one kind of per-device topic of many devices. The session outlives
 * a network blip or a broker restart ({@link connectSession}), so the broker queues messages meanwhile.
 */
class MqttDeviceTopicFeed<T> {
  readonly #client: MqttClient;
  readonly #kind: DeviceTopicKind<T>;
  readonly #byTopic = new Map<string, { deviceId: string; listeners: ((message: T) => void)[] }>();
  #closed = false;

  constructor(client: MqttClient, kind: DeviceTopicKind<T>) {
    this.#client = client;
    this.#kind = kind;
    client.on('message', (topic, payload) => {
      const watched = this.#byTopic.get(topic);
      if (!watched) return;
      const message = kind.parse(watched.deviceId, payload);
      if (message === undefined) return;
      for (const listener of watched.listeners) listener(message);
    });
  }

  async watch(deviceIds: readonly string[], listener: (message: T) => void): Promise<void> {
    const topics = deviceIds.map((deviceId) => {
      const topic = this.#kind.topicOf(deviceId);
      const watched = this.#byTopic.get(topic) ?? { deviceId, listeners: [] };
      watched.listeners.push(listener);
      this.#byTopic.set(topic, watched);
      return topic;
    });
    for (const chunk of subscribeChunks(topics)) {
      try {
        await this.#client.subscribeAsync(chunk, { qos: 1 });
      } catch (error) {
        throw translateSubscribeError(error, chunk.length, this.#kind.label);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#byTopic.clear();
    await endSession(this.#client, this.#client.connected);
  }
}

/** mqtt.js rejects a SUBACK with any reason code of 0x80 and above, putting that code on the error. */
function translateSubscribeError(error: unknown, topics: number, label: string): SimulatorError {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 0x80) {
    return new SimulatorError(
      SimulatorErrorCode.SubscriptionRefused,
      `broker refused a subscription to a ${label} topic (reason code 0x${code.toString(16)}); ` +
        'messages on it would never arrive',
      { cause: error },
    );
  }
  return new SimulatorError(
    SimulatorErrorCode.BrokerUnavailable,
    `cannot subscribe to ${topics} ${label} topics: ${(error as Error).message}`,
    { cause: error },
  );
}

/**
 * Connects and returns a feed to {@link RejectionFeed.watch} devices' rejection topics on.
 * @throws {@link SimulatorError} BROKER_UNAVAILABLE when the broker cannot be reached within the timeout.
 * @example
 * const feed = await openMqttRejectionFeed({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-rejections-1' });
 * await feed.watch(['logger-1001'], (notice) => console.log(notice.code, notice.reason));
 */
export async function openMqttRejectionFeed(
  options: Readonly<MqttRejectionFeedOptions>,
): Promise<RejectionFeed> {
  return new MqttDeviceTopicFeed(await connectFeedClient(options), REJECTIONS);
}

/**
 * Connects and returns a feed to {@link ReceiptFeed.watch} devices' receipts topics on.
 * @throws {@link SimulatorError} BROKER_UNAVAILABLE when the broker cannot be reached within the timeout.
 * @example
 * const feed = await openMqttReceiptFeed({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-receipts-1' });
 * await feed.watch(['logger-1001'], (receipt) => device.receipted(receipt.seqs));
 */
export async function openMqttReceiptFeed(options: Readonly<MqttReceiptFeedOptions>): Promise<ReceiptFeed> {
  return new MqttDeviceTopicFeed(await connectFeedClient(options), RECEIPTS);
}

async function connectFeedClient(options: Readonly<MqttSessionOptions>): Promise<MqttClient> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const client = connectSession(options);
  const connected = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), connectTimeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!connected) {
    await endSession(client, false);
    throw new SimulatorError(
      SimulatorErrorCode.BrokerUnavailable,
      `cannot reach the broker at ${options.url} within ${formatDuration(connectTimeoutMs)}`,
    );
  }
  return client;
}
