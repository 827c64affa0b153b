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
  readonly now?: () => number;
}

/**
 * A fixed-window request counter per API key, in memory. Each key's window opens with its first request, so keys
 * do not all reset at the same instant. A client may send up to twice the limit across a window boundary; for
 * keeping one key from starving the others that is close enough, and far simpler than a sliding log.
 *
 * Only authenticated requests are counted, so the map holds at most one entry per API key and needs no eviction.
 * Counts are per gateway process: behind a load balancer each instance allows the full limit.
 *
 * @example
 * const limiter = new FixedWindowRateLimiter({ limit: 600 });
 * if (!limiter.take(principal.keyId).allowed) refuse();
 */
export class FixedWindowRateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError('limit must be a positive integer');
    }
    this.#limit = options.limit;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts one request of `key` and says whether it is within the allowance. */
  take(key: string): RateDecision {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + this.#windowMs - now) / 1000));
    if (window.count >= this.#limit) return { allowed: false, remaining: 0, retryAfterSeconds };
    window.count += 1;
    return { allowed: true, remaining: this.#limit - window.count, retryAfterSeconds };
  }
}
