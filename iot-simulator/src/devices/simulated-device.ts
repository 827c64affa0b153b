import { encodeSignedReading, READING_FORMAT_VERSION, type Reading, type SignedReading } from '@provena/wire';
import { isSimulatorError, SimulatorErrorCode, type SimulatorError } from '../errors';
import type { Sample } from '../models/sample';
import type { ReadingSealer } from './key-store';
import { newOfflineBuffer } from './offline-buffer';
import type { ReadingPublisher } from './reading-publisher.port';
import type { SequenceStore } from './sequence-store';

export interface DeviceStats {
  /** Readings signed and queued. */
  recorded: number;
  /** Readings the broker acknowledged (PUBACK). */
  sent: number;
  /** Readings dropped from a full buffer. */
  dropped: number;
  /** Readings the broker answered with a failure reason code. */
  refused: number;
  /** Readings waiting in the buffer. */
  buffered: number;
  /** Readings handed to the publisher and not yet acknowledged. */
  inFlight: number;
}

export interface SimulatedDeviceOptions {
  deviceId: string;
  sealer: ReadingSealer;
  sequences: SequenceStore;
  publisher: ReadingPublisher;
  /** Readings kept while the broker is unreachable; the oldest is dropped beyond this (default 10,000). */
  bufferCapacity?: number;
  /**
   * Readings handed to the publisher without an acknowledgement yet (default 32). Bounds what sits outside the
   * buffer, in the MQTT client, where it is neither droppable nor counted as buffered.
   */
  maxInFlight?: number;
  onAcknowledged?: (signed: SignedReading) => void;
  onDropped?: (signed: SignedReading) => void;
  /** The broker answered the publish with a failure reason code; the reading is not sent again. */
  onRefused?: (signed: SignedReading, error: SimulatorError) => void;
}

/**
 * A signing device: numbers each reading from its durable sequence, signs it, keeps it in a bounded buffer and
 * publishes it whenever the broker is reachable. A reading counts as sent only when the broker acknowledged it.
 */
export interface SimulatedDevice {
  readonly deviceId: string;
  /** Numbers, signs and queues one reading; resolves with the envelope once it is queued (not sent). */
  record(sample: Omit<Sample, 'deviceId'>): Promise<SignedReading>;
  stats(): DeviceStats;
  /** Resolves true once nothing is buffered or in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops listening to the publisher's connection changes. */
  detach(): void;
}

interface Entry {
  signed: SignedReading;
  payload: Buffer;
}

class Device implements SimulatedDevice {
  readonly deviceId: string;
  readonly #options: SimulatedDeviceOptions;
  readonly #buffer;
  readonly #maxInFlight: number;
  readonly #detach: () => void;
  readonly #drainWaiters = new Set<() => void>();
  #recorded = 0;
  #sent = 0;
  #refused = 0;
  #inFlight = 0;

  constructor(options: SimulatedDeviceOptions) {
    this.deviceId = options.deviceId;
    this.#options = options;
    this.#buffer = newOfflineBuffer<Entry>({ capacity: options.bufferCapacity ?? 10_000 });
    this.#maxInFlight = options.maxInFlight ?? 32;
    this.#detach = options.publisher.onConnectionChange((connected) => {
      if (connected) this.#pump();
    });
  }

  async record(sample: Omit<Sample, 'deviceId'>): Promise<SignedReading> {
    const reading: Reading = {
      v: READING_FORMAT_VERSION,
      deviceId: this.deviceId,
      seq: await this.#options.sequences.next(this.deviceId),
      measuredAt: sample.measuredAt,
      ...(sample.shipmentId !== undefined && { shipmentId: sample.shipmentId }),
      measurements: sample.measurements,
    };
    const signed = this.#options.sealer.seal(reading);
    this.#recorded++;
    this.#keep(this.#buffer.push({ signed, payload: encodeSignedReading(signed) }));
    this.#pump();
    return signed;
  }

  #keep(evicted: Entry | undefined): void {
    if (evicted) {
      this.#options.onDropped?.(evicted.signed);
      this.#settle();
    }
  }

  #pump(): void {
    const { publisher } = this.#options;
    while (publisher.connected && this.#inFlight < this.#maxInFlight) {
      const entry = this.#buffer.shift();
      if (!entry) break;
      this.#inFlight++;
      publisher.publish(this.deviceId, entry.payload).then(
        () => {
          this.#inFlight--;
          this.#sent++;
          this.#options.onAcknowledged?.(entry.signed);
          this.#pump();
          this.#settle();
        },
        (error: unknown) => {
          this.#inFlight--;
          // Only a broker's explicit refusal is final. Without a connection (or after the publisher closed)
          // the reading goes back to the buffer, still the oldest, and counts as not sent.
          if (isSimulatorError(error, SimulatorErrorCode.PublishRefused)) {
            this.#refused++;
            this.#options.onRefused?.(entry.signed, error);
            this.#pump();
          } else this.#keep(this.#buffer.unshift(entry));
          this.#settle();
        },
      );
    }
  }

  #settle(): void {
    if (this.#buffer.size === 0 && this.#inFlight === 0) {
      for (const wake of this.#drainWaiters) wake();
    }
  }

  stats(): DeviceStats {
    return {
      recorded: this.#recorded,
      sent: this.#sent,
      dropped: this.#buffer.dropped,
      refused: this.#refused,
      buffered: this.#buffer.size,
      inFlight: this.#inFlight,
    };
  }

  drain(timeoutMs: number): Promise<boolean> {
    if (this.#buffer.size === 0 && this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (done: boolean): void => {
        clearTimeout(timer);
        this.#drainWaiters.delete(wake);
        resolve(done);
      };
      const wake = (): void => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#drainWaiters.add(wake);
    });
  }

  detach(): void {
    this.#detach();
  }
}

/**
 * @example
 * const device = newSimulatedDevice({ deviceId: 'logger-1001', sealer: keys, sequences, publisher });
 * await device.record({ measuredAt: Date.now(), measurements: { temperatureC: 4.2 } });
 */
export function newSimulatedDevice(options: Readonly<SimulatedDeviceOptions>): SimulatedDevice {
  return new Device(options);
}
