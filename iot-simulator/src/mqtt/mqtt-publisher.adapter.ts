import { ErrorWithReasonCode, type MqttClient } from 'mqtt';
import { Topics } from '@provena/wire';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReadingPublisher } from '../devices/reading-publisher.port';
import { connectSession, endSession, type MqttSessionOptions } from './mqtt-session';

export interface MqttReadingPublisherOptions extends MqttSessionOptions {
  /** Our own bound on unacknowledged publishes; the broker's Receive Maximum lowers it further (default 100). */
  maxInFlight?: number;
}

interface Waiting {
  topic: string;
  payload: Buffer;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One MQTT 5 connection carrying the readings of many devices.
 *
 * Why one client per process (or per group of devices) and not one per device: the gateway authenticates each
 * reading by its device signature, not by the connection it arrived on, so sharing a connection loses nothing
 * the system relies on. Ten thousand simulated devices as ten thousand TCP connections would measure the broker's
 * connection handling and the simulator's socket limit, not the ingest path. The CLI still splits a fleet into
 * groups (`--devices-per-client`) for when per-connection behaviour is what a test wants to exercise.
 *
 * The session outlives a broker restart or a network drop ({@link connectSession}): mqtt.js resends every publish
 * still awaiting its PUBACK.
 */
class MqttReadingPublisher implements ReadingPublisher {
  readonly #client: MqttClient;
  readonly #listeners = new Set<(connected: boolean) => void>();
  readonly #waiting: Waiting[] = [];
  readonly #inFlight = new Set<Waiting>();
  readonly #maxInFlight: number;
  #window: number;
  #connected = false;
  #closed = false;

  constructor(options: Readonly<MqttReadingPublisherOptions>) {
    this.#maxInFlight = options.maxInFlight ?? 100;
    this.#window = this.#maxInFlight;
    this.#client = connectSession(options);
    this.#client.on('connect', (connack) => {
      // MQTT 5: the broker says how many QoS 1 publishes it will take unacknowledged; exceeding it is a
      // protocol error the broker may disconnect for.
      const receiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
      this.#window = Math.max(1, Math.min(this.#maxInFlight, receiveMaximum));
      this.#setConnected(true);
      this.#sendWaiting();
    });
    this.#client.on('close', () => this.#setConnected(false));
    this.#client.on('offline', () => this.#setConnected(false));
  }

  get connected(): boolean {
    return this.#connected;
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const listener of this.#listeners) listener(connected);
  }

  publish(deviceId: string, payload: Uint8Array): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new SimulatorError(SimulatorErrorCode.PublisherClosed, 'publisher is closed'));
    }
    if (!this.#connected) {
      return Promise.reject(
        new SimulatorError(SimulatorErrorCode.BrokerUnavailable, 'not connected to the broker'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({
        topic: Topics.readings(deviceId),
        // A view, not a copy: the payload is never written to, and mqtt.js copies what it keeps for a resend.
        payload: Buffer.isBuffer(payload)
          ? payload
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        resolve,
        reject,
      });
      this.#sendWaiting();
    });
  }

  /**
   * Hands waiting publishes to mqtt.js while the window has room. Publishes already handed over stay with
   * mqtt.js across a disconnect (it resends them on reconnect); waiting ones stay here until then.
   */
  #sendWaiting(): void {
    while (this.#connected && this.#inFlight.size < this.#window && this.#waiting.length > 0) {
      const item = this.#waiting.shift()!;
      this.#inFlight.add(item);
      this.#client.publish(item.topic, item.payload, { qos: 1 }, (error) => {
        if (!this.#inFlight.delete(item)) return; // already settled by close()
        if (error) item.reject(translate(error));
        else item.resolve();
        this.#sendWaiting();
      });
    }
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Publishes still pending are reported as unacknowledged below.
    const graceful = this.#connected && this.#inFlight.size === 0 && this.#waiting.length === 0;
    const closed = new SimulatorError(
      SimulatorErrorCode.PublisherClosed,
      'publisher closed before the broker acknowledged',
    );
    for (const item of [...this.#waiting.splice(0), ...this.#inFlight]) item.reject(closed);
    this.#inFlight.clear();
    this.#setConnected(false);
    await endSession(this.#client, graceful);
  }
}

/** MQTT 5 PUBACK reason codes of 0x80 and above are refusals; anything else here is a lost connection. */
function translate(error: Error): SimulatorError {
  if (error instanceof ErrorWithReasonCode) {
    return new SimulatorError(
      SimulatorErrorCode.PublishRefused,
      `broker refused the reading: ${error.message} (reason code 0x${error.code.toString(16)})`,
      { cause: error },
    );
  }
  return new SimulatorError(SimulatorErrorCode.BrokerUnavailable, `publish interrupted: ${error.message}`, {
    cause: error,
  });
}

/**
 * Connects (in the background; watch {@link ReadingPublisher.onConnectionChange}) and returns the publisher.
 * @example
 * const publisher = newMqttReadingPublisher({ url: 'mqtt://127.0.0.1:1883', clientId: 'sim-1' });
 */
export function newMqttReadingPublisher(options: Readonly<MqttReadingPublisherOptions>): ReadingPublisher {
  return new MqttReadingPublisher(options);
}

/** Resolves once `publisher` is connected, or false after `timeoutMs`. */
export function waitForConnection(publisher: ReadingPublisher, timeoutMs: number): Promise<boolean> {
  if (publisher.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const stop = publisher.onConnectionChange((connected) => {
      if (!connected) return;
      clearTimeout(timer);
      stop();
      resolve(true);
    });
    const timer = setTimeout(() => {
      stop();
      resolve(false);
    }, timeoutMs);
  });
}
