/** How long `/ready` answers from one ledger probe unless the settings say otherwise (PROVENA_READY_CACHE_MS). */
export const DEFAULT_READY_CACHE_MS = 2_000;

export interface CachedProbeOptions {
  /** The check itself, e.g. a ledger query; a probe that throws counts as `false`. */
  readonly probe: () => Promise<boolean>;
  /** How long an answer is reused after it came back; 0 reuses none, but concurrent callers still share one. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/**
 * A health probe's answer, reused for `ttlMs` after it came back, and shared by every caller while a probe is under
 * way (single flight). `/ready` is open without an API key and its ledger check is a Fabric query: without this,
 * each request would cost the peers a query, so a flood of them would load the ledger for free. With it, the
 * ledger sees at most one query per interval, however many ask.
 *
 * @example
 * const ledgerUp = new CachedProbe({ probe: () => ledger.isReachable(), ttlMs: 2000 });
 * await ledgerUp.check(); // => true, from one query however many callers ask at once
 */
export class CachedProbe {
  readonly #options: CachedProbeOptions;
  readonly #now: () => number;
  #last: { readonly value: boolean; readonly atMs: number } | undefined;
  #inFlight: Promise<boolean> | undefined;

  /** @throws RangeError when ttlMs is negative or not a whole number. */
  constructor(options: CachedProbeOptions) {
    if (!Number.isInteger(options.ttlMs) || options.ttlMs < 0) {
      throw new RangeError('ttlMs must be a whole number of milliseconds, 0 or more');
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The latest answer if younger than `ttlMs`, else the answer of the probe under way or of a new one. */
  check(): Promise<boolean> {
    const last = this.#last;
    if (last && this.#now() - last.atMs < this.#options.ttlMs) return Promise.resolve(last.value);
    if (this.#inFlight) return this.#inFlight;
    const probing = this.#run();
    this.#inFlight = probing;
    return probing;
  }

  async #run(): Promise<boolean> {
    let value: boolean;
    try {
      value = await this.#options.probe();
    } catch {
      value = false;
    }
    this.#last = { value, atMs: this.#now() };
    this.#inFlight = undefined;
    return value;
  }
}
