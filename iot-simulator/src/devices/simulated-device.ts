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
  /** With receipts: readings the broker acknowledged that no receipt or rejection has settled yet. */
  awaitingReceipt: number;
  /** With receipts: readings a receipt said are on the ledger. */
  receipted: number;
  /** With receipts: publishes of a reading again because no receipt came in time. */
  resent: number;
}

/**
 * End-to-end receipts (see `ReadingReceipt` in the wire package and the README's device protocol): a reading
 * stays in the device after the broker's PUBACK until a receipt or a rejection settles it, and is published
 * again when neither comes in time. The chaincode answers a resend of a reading it has with `duplicate`, so
 * resending is safe; a broker that loses acknowledged messages then loses nothing on the ledger.
 */
export interface ReceiptOptions {
  /** How long after the PUBACK to wait for a receipt before publishing again; doubles per resend. */
  resendAfterMs: number;
  /** Cap of the doubling (default 8 × resendAfterMs). */
  maxResendAfterMs?: number;
  /**
   * Readings acknowledged by the broker and awaiting a receipt, at most (default: the buffer capacity). At the
   * bound the device stops publishing and buffers: it never holds more unsettled readings than its flash holds.
   */
  maxAwaiting?: number;
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
  /** Keep readings until the ledger has them (see {@link ReceiptOptions}); without it a PUBACK settles a reading. */
  receipts?: ReceiptOptions;
  onAcknowledged?: (signed: SignedReading) => void;
  /** With receipts: a receipt said the reading is on the ledger. */
  onReceipted?: (signed: SignedReading) => void;
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
  /** A receipt for this device arrived: the readings it names are on the ledger and are let go. */
  receipted(seqs: readonly number[]): void;
  /** The gateway refused this reading for good (its rejection topic): it is let go, not sent again. */
  rejected(seq: number): void;
  /**
   * Resolves true once nothing is buffered or in flight (with receipts: and nothing awaits one), or false after
   * `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops listening to the publisher's connection changes. */
  detach(): void;
}

interface Entry {
  signed: SignedReading;
  payload: Buffer;
  /** With receipts: a receipt or a rejection settled it while it sat in the buffer or in flight. */
  settled: boolean;
  /** With receipts: times it was published again. */
  resends: number;
  /** With receipts: when to publish it again if no receipt came (while awaiting one). */
  resendAtMs: number;
  where: 'buffer' | 'flight' | 'awaiting';
}

/** How often, at most, a device looks for readings whose receipt is overdue. */
const MAX_SWEEP_MS = 1000;

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
  #receipted = 0;
  #resent = 0;
  /** With receipts: every reading not settled yet (buffered, in flight or awaiting a receipt), by sequence number. */
  readonly #held = new Map<number, Entry>();
  /** With receipts: acknowledged by the broker, awaiting a receipt; in PUBACK order. */
  readonly #awaiting = new Map<number, Entry>();
  /** Settled entries still in the buffer, skipped when they reach its front. */
  #settledInBuffer = 0;
  #sweepTimer: NodeJS.Timeout | undefined;

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
    const entry: Entry = {
      signed,
      payload: encodeSignedReading(signed),
      settled: false,
      resends: 0,
      resendAtMs: 0,
      where: 'buffer',
    };
    if (this.#options.receipts) this.#held.set(reading.seq, entry);
    this.#keep(this.#buffer.push(entry));
    this.#pump();
    return signed;
  }

  #keep(evicted: Entry | undefined): void {
    if (!evicted) return;
    if (evicted.settled) {
      this.#settledInBuffer--;
      return;
    }
    this.#held.delete(evicted.signed.reading.seq);
    this.#options.onDropped?.(evicted.signed);
    this.#settle();
  }

  #pump(): void {
    const { publisher, receipts } = this.#options;
    // With receipts, what is out of the buffer (in flight or awaiting a receipt) counts against the flash bound.
    const maxOut = receipts ? (receipts.maxAwaiting ?? this.#buffer.capacity) : Infinity;
    while (
      publisher.connected &&
      this.#inFlight < this.#maxInFlight &&
      this.#inFlight + this.#awaiting.size < maxOut
    ) {
      const entry = this.#buffer.shift();
      if (!entry) break;
      if (entry.settled) {
        this.#settledInBuffer--;
        continue;
      }
      entry.where = 'flight';
      this.#inFlight++;
      publisher.publish(this.deviceId, entry.payload).then(
        () => {
          this.#inFlight--;
          this.#sent++;
          this.#options.onAcknowledged?.(entry.signed);
          if (receipts && !entry.settled) this.#awaitReceipt(entry, receipts);
          this.#pump();
          this.#settle();
        },
        (error: unknown) => {
          this.#inFlight--;
          // Only a broker's explicit refusal is final. Without a connection (or after the publisher closed)
          // the reading goes back to the buffer, still the oldest, and counts as not sent.
          if (entry.settled) {
            // A receipt for an earlier copy came while this one was in flight: nothing left to send.
          } else if (isSimulatorError(error, SimulatorErrorCode.PublishRefused)) {
            this.#held.delete(entry.signed.reading.seq);
            this.#refused++;
            this.#options.onRefused?.(entry.signed, error);
            this.#pump();
          } else {
            entry.where = 'buffer';
            this.#keep(this.#buffer.unshift(entry));
          }
          this.#settle();
        },
      );
    }
  }

  #awaitReceipt(entry: Entry, receipts: ReceiptOptions): void {
    const maxDelay = receipts.maxResendAfterMs ?? receipts.resendAfterMs * 8;
    entry.resendAtMs = Date.now() + Math.min(receipts.resendAfterMs * 2 ** entry.resends, maxDelay);
    entry.where = 'awaiting';
    this.#awaiting.set(entry.signed.reading.seq, entry);
    this.#scheduleSweep(receipts);
  }

  #scheduleSweep(receipts: ReceiptOptions): void {
    if (this.#sweepTimer !== undefined || this.#awaiting.size === 0) return;
    const everyMs = Math.max(1, Math.min(MAX_SWEEP_MS, Math.ceil(receipts.resendAfterMs / 4)));
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      this.#resendOverdue();
      this.#scheduleSweep(receipts);
    }, everyMs);
    // A device waiting for receipts must not keep a finished process alive; drain() has its own timer.
    this.#sweepTimer.unref();
  }

  /** Puts readings whose receipt is overdue back at the front of the buffer, oldest first. */
  #resendOverdue(): void {
    const now = Date.now();
    const overdue = [...this.#awaiting.values()].filter((e) => e.resendAtMs <= now);
    if (overdue.length === 0) return;
    for (let i = overdue.length - 1; i >= 0; i--) {
      const entry = overdue[i] as Entry;
      this.#awaiting.delete(entry.signed.reading.seq);
      entry.resends++;
      entry.where = 'buffer';
      this.#resent++;
      this.#keep(this.#buffer.unshift(entry));
    }
    this.#pump();
  }

  receipted(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const entry = this.#release(seq);
      if (!entry) continue;
      this.#receipted++;
      this.#options.onReceipted?.(entry.signed);
    }
    this.#pump();
    this.#settle();
  }

  rejected(seq: number): void {
    this.#release(seq);
    this.#pump();
    this.#settle();
  }

  /** Lets a held reading go wherever it is; undefined if the device holds no such reading (already settled). */
  #release(seq: number): Entry | undefined {
    const entry = this.#held.get(seq);
    if (!entry) return undefined;
    this.#held.delete(seq);
    entry.settled = true;
    // In flight, it is let go when its PUBACK comes; in the buffer, when it reaches the front.
    if (entry.where === 'awaiting') this.#awaiting.delete(seq);
    else if (entry.where === 'buffer') this.#settledInBuffer++;
    return entry;
  }

  #settle(): void {
    if (this.#idle()) {
      for (const wake of this.#drainWaiters) wake();
    }
  }

  #idle(): boolean {
    return this.#options.receipts ? this.#held.size === 0 : this.#buffer.size === 0 && this.#inFlight === 0;
  }

  stats(): DeviceStats {
    return {
      recorded: this.#recorded,
      sent: this.#sent,
      dropped: this.#buffer.dropped,
      refused: this.#refused,
      buffered: this.#buffer.size - this.#settledInBuffer,
      inFlight: this.#inFlight,
      awaitingReceipt: this.#awaiting.size,
      receipted: this.#receipted,
      resent: this.#resent,
    };
  }

  drain(timeoutMs: number): Promise<boolean> {
    if (this.#idle()) return Promise.resolve(true);
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
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
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
