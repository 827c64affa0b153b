import { randomBytes } from 'node:crypto';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import { formatDuration } from '../scenario/time-units';
import { newMqttReadingPublisher, waitForConnection } from './mqtt-publisher.adapter';

export interface MqttPublisherPoolOptions {
  url: string;
  /** MQTT connections to open; devices share them. */
  connections: number;
  /** Give up when any connection is not up within this. */
  connectTimeoutMs: number;
  /** Client ids are `<prefix>-<random session>-<index>`, unique per run so two runs never take over each other. */
  clientIdPrefix: string;
}

/** Several MQTT publishers opened together, for a fleet whose devices share connections. */
export interface MqttPublisherPool {
  readonly publishers: readonly ReadingPublisher[];
  /** Disconnects seen on any connection since the pool opened. */
  connectionLosses(): number;
  /** Closes every connection; publishes not yet acknowledged reject with PUBLISHER_CLOSED. */
  close(): Promise<void>;
}

/**
 * Opens `connections` publishers and waits until all are connected.
 * @throws {@link SimulatorError} BROKER_UNAVAILABLE when one is not connected within the timeout (all are closed).
 * @example
 * const pool = await openMqttPublisherPool({ url, connections: 4, connectTimeoutMs: 10_000, clientIdPrefix: 'sim' });
 */
export async function openMqttPublisherPool(
  options: Readonly<MqttPublisherPoolOptions>,
): Promise<MqttPublisherPool> {
  const { url, connectTimeoutMs } = options;
  const session = randomBytes(4).toString('hex');
  const publishers = Array.from({ length: options.connections }, (_, i) =>
    newMqttReadingPublisher({ url, clientId: `${options.clientIdPrefix}-${session}-${i}`, connectTimeoutMs }),
  );
  const close = async (): Promise<void> => {
    await Promise.all(publishers.map((p) => p.close()));
  };
  const reachable = await Promise.all(publishers.map((p) => waitForConnection(p, connectTimeoutMs)));
  if (!reachable.every(Boolean)) {
    await close();
    throw new SimulatorError(
      SimulatorErrorCode.BrokerUnavailable,
      `cannot reach the broker at ${url} within ${formatDuration(connectTimeoutMs)}`,
    );
  }
  // Counted from here: the connects above are not losses.
  let losses = 0;
  for (const p of publishers) p.onConnectionChange((up) => (losses += up ? 0 : 1));
  return { publishers, connectionLosses: () => losses, close };
}
