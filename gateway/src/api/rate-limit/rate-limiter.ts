/** The outcome of one request against its key's allowance. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Requests left in the current window after this one. */
  readonly remaining: number;
  /** Whole seconds until the window resets (at least 1): the `Retry-After` of a refusal. */
  readonly retryAfterSeconds: number;
}

/** How many requests a key may make per window. */
export interface RateLimiterOptions {
  /** Requests allowed per window. */
  readonly limit: number;
  /** Window length; a minute unless a test says otherwise. */
  readonly windowMs?: number;
  /**
   * Keys counted at once. Unbounded when the keys are API keys (a few, all known); bounded when anyone can make up
   * a new one (client addresses): past it, ended windows go first, then the oldest.
   */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/** Requests without a valid API key one client address may make per minute unless the settings say otherwise. */
export const DEFAULT_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE = 60;

/** Client addresses whose unauthenticated requests are counted at once. */
export const UNAUTHENTICATED_RATE_LIMIT_MAX_ADDRESSES = 10_000;

/**
 * The DI token of the limiter for requests without a valid API key, counted per client address (the API key
 * limiter is bound to its class).
 */
export const UNAUTHENTICATED_RATE_LIMITER = Symbol('UnauthenticatedRateLimiter');

/**
 * A fixed-window request counter per API key, in memory. Each key's window opens with its first request, so keys
 * do not all reset at the same instant. A client may send up to twice the limit across a window boundary; for
 * keeping one key from starving the others that is close enough, and far simpler than a sliding log.
 *
 * Counted per API key, the map holds one entry per key and needs no eviction; counted per client address (requests
 * without a valid key), it is bounded by `maxKeys`. Counts are per gateway process: behind a load balancer each
 * instance allows the full limit.
 *
 * @example
 * const limiter = new FixedWindowRateLimiter({ limit: 600 });
 * if (!limiter.take(principal.keyId).allowed) refuse();
 */
export class FixedWindowRateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** In order of their window's start: a renewed window moves to the end. */
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError('limit must be a positive integer');
    }
    const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
    if (maxKeys !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxKeys) || maxKeys < 1)) {
      throw new RangeError('maxKeys must be a positive integer');
    }
    this.#limit = options.limit;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxKeys = maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** Counts one request of `key` and says whether it is within the allowance. */
  take(key: string): RateDecision {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#windowMs) {
      this.#windows.delete(key);
      this.#makeRoom();
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + this.#windowMs - now) / 1000));
    if (window.count >= this.#limit) return { allowed: false, remaining: 0, retryAfterSeconds };
    window.count += 1;
    return { allowed: true, remaining: this.#limit - window.count, retryAfterSeconds };
  }

  /** Keys held: each with its window, running or ended and not yet forgotten. */
  get size(): number {
    return this.#windows.size;
  }

  #makeRoom(): void {
    // Oldest window first. Windows are in order of their start, so ended ones go first, and forgetting those costs
    // nothing; forgetting a running one gives its key a fresh allowance, the price of a fixed amount of memory when
    // more keys than maxKeys are active within one window.
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < this.#maxKeys) return;
      this.#windows.delete(key);
    }
  }
}
