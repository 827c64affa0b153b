/** Timing of a synchronous operation in a tight loop: the one loop the wire and baseline benchmarks share. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface OpTiming {
  /** Median over rounds. */
  readonly microsPerOp: number;
  /** µs per op of each round. */
  readonly rounds: number[];
  /** Process CPU time over wall time while measuring: about 1.0 means one core busy, no more. */
  readonly coresUsed: number;
}

/**
 * Runs `op` in a tight loop on the calling thread for about `seconds`, `rounds` times, after a warm-up round that
 * lets V8 optimise the loop. The clock is read every 64 calls so reading it costs nothing measurable.
 */
export function timeOps(op: () => unknown, seconds: number, rounds: number): OpTiming {
  const timeRound = (budgetNs: bigint): number => {
    let ops = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < budgetNs) {
      for (let i = 0; i < 64; i++) op();
      ops += 64;
      elapsed = process.hrtime.bigint() - start;
    }
    return Number(elapsed) / 1000 / ops;
  };
  const budget = BigInt(Math.round(seconds * 1e9));
  timeRound(budget / 2n);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const perRound = Array.from({ length: rounds }, () => timeRound(budget));
  const cpu = process.cpuUsage(cpu0);
  return {
    microsPerOp: median(perRound),
    rounds: perRound,
    coresUsed: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0),
  };
}
