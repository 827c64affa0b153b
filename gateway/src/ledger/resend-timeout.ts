/**
 * How long a transaction the orderers accepted may go without a commit status before it is sent to them again.
 *
 * Estimated from the commit times of the transactions before it, as TCP estimates its retransmission timeout from
 * round trips (RFC 6298): the smoothed commit time plus four times its smoothed deviation, gains 1/8 and 1/4. A
 * fixed wait has to sit above the commit time under overload (5 s measured) and so leaves a lost transaction
 * waiting that long at every load; the estimate follows the load, so at the usual sub-second commit times a lost
 * transaction is sent again after the floor. Only transactions sent once are measured: the commit time of one sent
 * twice is ambiguous (Karn's rule).
 *
 * Bounded by `floorMs` below (a commit that is merely late, a block cut a little after the usual, must not be
 * sent again) and `ceilingMs` above, which is also the wait before the first commit time is known and the cap on
 * the doubling between one resend and the next.
 */
export class ResendTimeout {
  #mean: number | undefined;
  #deviation = 0;

  constructor(
    private readonly floorMs: number,
    private readonly ceilingMs: number,
  ) {}

  /** The commit time of a transaction that was sent once: from the orderers' accepting it to its status. */
  observe(commitMs: number): void {
    if (!Number.isFinite(commitMs) || commitMs < 0) return;
    if (this.#mean === undefined) {
      this.#mean = commitMs;
      this.#deviation = commitMs / 2;
      return;
    }
    this.#deviation = 0.75 * this.#deviation + 0.25 * Math.abs(this.#mean - commitMs);
    this.#mean = 0.875 * this.#mean + 0.125 * commitMs;
  }

  /** How long to wait for a new transaction's status before the first resend. */
  firstMs(): number {
    if (this.#mean === undefined) return this.ceilingMs;
    const estimate = this.#mean + 4 * this.#deviation;
    return Math.min(this.ceilingMs, Math.max(Math.min(this.floorMs, this.ceilingMs), Math.ceil(estimate)));
  }

  /** How long to wait after a resend that followed a wait of `previousMs`: twice that, up to the ceiling. */
  nextMs(previousMs: number): number {
    return Math.min(this.ceilingMs, 2 * previousMs);
  }
}
