import { SimulatorError, SimulatorErrorCode } from '../errors';

/**
 * A device's readings not yet handed to the broker, oldest first, bounded: a real logger has finite flash, and
 * an unbounded queue would only move the loss from the device to the simulator's memory.
 */
export interface OfflineBuffer<T> {
  readonly capacity: number;
  readonly size: number;
  /** Items dropped so far because the buffer was full. */
  readonly dropped: number;
  /** Appends; when full, drops and returns the oldest item. */
  push(item: T): T | undefined;
  /**
   * Puts an item back at the front (a publish that failed for lack of a connection). It is older than
   * everything held, so when the buffer is full it is the one dropped, and returned.
   */
  unshift(item: T): T | undefined;
  /** Removes and returns the oldest item. */
  shift(): T | undefined;
}

export interface OfflineBufferOptions {
  capacity: number;
}

class RingBuffer<T> implements OfflineBuffer<T> {
  readonly #slots: (T | undefined)[];
  #head = 0;
  #size = 0;
  #dropped = 0;

  constructor(readonly capacity: number) {
    this.#slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  get dropped(): number {
    return this.#dropped;
  }

  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.#size === this.capacity) {
      evicted = this.shift();
      this.#dropped++;
    }
    this.#slots[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
    return evicted;
  }

  unshift(item: T): T | undefined {
    if (this.#size === this.capacity) {
      this.#dropped++;
      return item;
    }
    this.#head = (this.#head - 1 + this.capacity) % this.capacity;
    this.#slots[this.#head] = item;
    this.#size++;
    return undefined;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined; // let the envelope be collected
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    return item;
  }
}

/** @throws {@link SimulatorError} BAD_ARGUMENT when the capacity is not a positive integer. */
export function newOfflineBuffer<T>(options: Readonly<OfflineBufferOptions>): OfflineBuffer<T> {
  if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
    throw new SimulatorError(
      SimulatorErrorCode.BadArgument,
      `buffer capacity must be a positive integer, got ${options.capacity}`,
    );
  }
  return new RingBuffer<T>(options.capacity);
}
