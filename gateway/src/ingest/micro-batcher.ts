export interface MicroBatcherOptions<T> {
  /** A batch is sent as soon as it holds this many items... */
  readonly maxSize: number;
  /** ...or this long after its first item arrived, whichever comes first. */
  readonly windowMs: number;
  /** Batches being handled at once; further full batches wait their turn (and keep filling up to maxSize). */
  readonly maxConcurrent: number;
  /** Handles one batch. It must not reject: whatever happens to the items is its business. */
  readonly handle: (batch: T[]) => Promise<void>;
}

/**
 * Gathers items into batches by size and time window and hands them to a handler with bounded concurrency.
 * Memory stays bounded because the items' source is bounded (the broker's Receive Maximum).
 */
export class MicroBatcher<T> {
  readonly #options: MicroBatcherOptions<T>;
  #open: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The open batch's window has passed; it goes as soon as a slot is free. */
  #due = false;
  readonly #ready: T[][] = [];
  #running = 0;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(options: MicroBatcherOptions<T>) {
    if (options.maxSize < 1 || options.maxConcurrent < 1 || options.windowMs < 0) {
      throw new Error('maxSize and maxConcurrent must be at least 1, windowMs at least 0');
    }
    this.#options = options;
  }

  /** Items accepted and not yet handled. */
  get pending(): number {
    return this.#open.length + this.#ready.reduce((n, b) => n + b.length, 0);
  }

  /** Batches being handled now. */
  get running(): number {
    return this.#running;
  }

  add(item: T): void {
    this.#open.push(item);
    if (this.#open.length >= this.#options.maxSize) this.#seal();
    else if (this.#open.length === 1) {
      this.#timer = setTimeout(() => {
        this.#due = true;
        // With every slot busy, sending now would only queue it; letting it grow instead means fewer, fuller
        // transactions exactly when the ledger is the bottleneck.
        if (this.#running < this.#options.maxConcurrent) this.#seal();
      }, this.#options.windowMs);
    }
  }

  /** Sends what is gathered now and resolves when every batch has been handled. */
  async drain(): Promise<void> {
    if (this.#open.length > 0) this.#seal();
    if (this.#running === 0 && this.#ready.length === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #seal(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
    if (this.#open.length === 0) return;
    this.#ready.push(this.#open);
    this.#open = [];
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.#options.maxConcurrent && this.#ready.length > 0) {
      const batch = this.#ready.shift() as T[];
      this.#running++;
      void this.#options.handle(batch).finally(() => {
        this.#running--;
        if (this.#ready.length === 0 && this.#due) this.#seal();
        else this.#pump();
        if (this.#running === 0 && this.#ready.length === 0) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      });
    }
  }
}
