import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Monotonic time for a scheduler. The system one reads `performance.now()` and sleeps on timers; unit tests pass
 * a clock they move by hand, so a ten-second schedule runs in milliseconds and to the reading.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes back. */
  now(): number;
  /** Resolves once `ms` have passed (on the system clock, at the timer's granularity of about 1 ms). */
  sleep(ms: number): Promise<void>;
}

/** The process's monotonic clock. */
export function newSystemClock(): Clock {
  return {
    now: () => performance.now(),
    sleep: (ms) => sleep(Math.max(0, ms)),
  };
}
