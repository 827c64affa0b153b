import { SimulatorError, SimulatorErrorCode } from '../errors';
import type { ReadingPublisher } from './reading-publisher.port';

export interface PublishedPayload {
  deviceId: string;
  payload: Uint8Array;
}

/** An in-memory {@link ReadingPublisher} whose connection and acknowledgements a test controls. */
export interface MemoryReadingPublisher extends ReadingPublisher {
  /** Payloads the "broker" acknowledged, in order. */
  readonly acknowledged: readonly PublishedPayload[];
  /** Payloads handed over and not yet acknowledged. */
  readonly inFlight: number;
  /** Drops or restores the connection. In-flight publishes survive a drop, as with an MQTT session. */
  setConnected(connected: boolean): void;
  /** Acknowledges up to `count` in-flight publishes (all by default); only while connected. */
  acknowledge(count?: number): number;
}

export interface MemoryReadingPublisherOptions {
  connected?: boolean;
  /** Acknowledge each publish on the next tick while connected (default true). */
  autoAcknowledge?: boolean;
}

interface Pending extends PublishedPayload {
  resolve(): void;
  reject(error: Error): void;
}

export function newMemoryReadingPublisher(
  options: Readonly<MemoryReadingPublisherOptions> = {},
): MemoryReadingPublisher {
  const auto = options.autoAcknowledge ?? true;
  const listeners = new Set<(connected: boolean) => void>();
  const pending: Pending[] = [];
  const acknowledged: PublishedPayload[] = [];
  let connected = options.connected ?? true;
  let closed = false;
  let scheduled = false;

  const acknowledge = (count = Infinity): number => {
    let done = 0;
    while (connected && done < count && pending.length > 0) {
      const p = pending.shift()!;
      acknowledged.push({ deviceId: p.deviceId, payload: p.payload });
      p.resolve();
      done++;
    }
    return done;
  };
  const schedule = (): void => {
    if (!auto || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      acknowledge();
    });
  };

  return {
    get connected() {
      return connected;
    },
    get acknowledged() {
      return acknowledged;
    },
    get inFlight() {
      return pending.length;
    },
    publish(deviceId, payload) {
      if (closed)
        return Promise.reject(new SimulatorError(SimulatorErrorCode.PublisherClosed, 'publisher is closed'));
      if (!connected)
        return Promise.reject(new SimulatorError(SimulatorErrorCode.BrokerUnavailable, 'not connected'));
      return new Promise<void>((resolve, reject) => {
        pending.push({ deviceId, payload, resolve, reject });
        schedule();
      });
    },
    onConnectionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setConnected(value) {
      if (value === connected) return;
      connected = value;
      for (const listener of listeners) listener(value);
      if (value) schedule();
    },
    acknowledge,
    close() {
      closed = true;
      connected = false;
      for (const p of pending.splice(0))
        p.reject(new SimulatorError(SimulatorErrorCode.PublisherClosed, 'publisher closed'));
      return Promise.resolve();
    },
  };
}
