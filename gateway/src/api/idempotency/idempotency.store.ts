/** The answer a write gave: what a retry with the same `Idempotency-Key` gets again. */
export interface IdempotentAnswer {
  readonly status: number;
  /** The JSON body as the route returned it (a copy: later changes to the original do not reach it). */
  readonly body: unknown;
}

/** How long, and for how many keys at most, answers are kept. */
export interface IdempotencyOptions {
  /** How long an answer is replayed after it was given. */
  readonly ttlMs: number;
  /** Keys held at most; past it the oldest are forgotten first. */
  readonly maxEntries: number;
}

/** Unless the settings say otherwise: a day (PROVENA_IDEMPOTENCY_TTL_MS), 10,000 keys (PROVENA_IDEMPOTENCY_MAX_KEYS). */
export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyOptions = {
  ttlMs: 24 * 60 * 60 * 1000,
  maxEntries: 10_000,
};

/** What a request with a key is to do, by what the store already holds for that key. */
export type IdempotencyClaim =
  /** The key is new: run the request, then hand its answer to `complete` (or `abandon` to forget the key). */
  | {
      readonly outcome: 'first';
      complete(answer: IdempotentAnswer): void;
      abandon(): void;
    }
  /** The same request ran already: answer this. */
  | { readonly outcome: 'replay'; readonly answer: IdempotentAnswer }
  /** The same request is running now. */
  | { readonly outcome: 'in-progress' }
  /** The key was used for another request (method, path or body). */
  | { readonly outcome: 'mismatch' };

type Entry =
  | { readonly fingerprint: string; readonly state: 'running' }
  | {
      readonly fingerprint: string;
      readonly state: 'done';
      readonly answer: IdempotentAnswer;
      readonly expiresAtMs: number;
    };

/**
 * The answers of writes sent with an `Idempotency-Key`, in this process's memory: a restart forgets them, and
 * replicas behind a load balancer each hold their own, so a retry is only recognised by the instance that ran the
 * first request. At most `maxEntries` keys (the oldest forgotten first), each for `ttlMs` after its answer.
 *
 * @example
 * const store = new IdempotencyStore({ ttlMs: 86_400_000, maxEntries: 10_000 });
 * const claim = store.claim('key-id payment-42', fingerprint);
 * if (claim.outcome === 'first') claim.complete({ status: 201, body });
 */
export class IdempotencyStore {
  readonly #options: IdempotencyOptions;
  readonly #now: () => number;
  /** In order of their first request: the oldest are forgotten first. */
  readonly #entries = new Map<string, Entry>();

  /** @throws RangeError when ttlMs or maxEntries is not a positive integer. */
  constructor(options: IdempotencyOptions, now: () => number = Date.now) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new RangeError(`${name} must be a positive integer`);
      }
    }
    this.#options = options;
    this.#now = now;
  }

  /** Keys held, running or answered. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * What a request should do with its key. `scope` names the key within its principal; `fingerprint` the request
   * (method, path, body): the same scope with another fingerprint is a client reusing a key for a new request.
   */
  claim(scope: string, fingerprint: string): IdempotencyClaim {
    const now = this.#now();
    let entry = this.#entries.get(scope);
    if (entry?.state === 'done' && entry.expiresAtMs <= now) {
      this.#entries.delete(scope);
      entry = undefined;
    }
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      return entry.state === 'running'
        ? { outcome: 'in-progress' }
        : { outcome: 'replay', answer: entry.answer };
    }
    this.#makeRoom(now);
    const running: Entry = { fingerprint, state: 'running' };
    this.#entries.set(scope, running);
    // A running entry forgotten to make room is gone for good: its answer is not stored when it comes.
    const stillOurs = (): boolean => this.#entries.get(scope) === running;
    return {
      outcome: 'first',
      complete: (answer) => {
        if (!stillOurs()) return;
        this.#entries.set(scope, {
          fingerprint,
          state: 'done',
          answer,
          expiresAtMs: this.#now() + this.#options.ttlMs,
        });
      },
      abandon: () => {
        if (stillOurs()) this.#entries.delete(scope);
      },
    };
  }

  #makeRoom(now: number): void {
    for (const [scope, entry] of this.#entries) {
      const expired = entry.state === 'done' && entry.expiresAtMs <= now;
      if (!expired && this.#entries.size < this.#options.maxEntries) return;
      this.#entries.delete(scope);
    }
  }
}
